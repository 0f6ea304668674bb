//! How a household is reached and paid: mobile numbers and bank accounts (银行账户), all random
//! digits that belong to nobody.

use crate::rng::RngExt;
use jiuzhu_domain::BankAccount;
use rand::Rng;

/// Bank names with weights: rural Gansu pays benefits mostly through the rural credit
/// cooperatives (农信社), then the postal savings bank and the agricultural bank.
pub(super) const BANKS: &[(&str, u32)] =
    &[("甘肃省农村信用社", 50), ("中国邮政储蓄银行", 25), ("中国农业银行", 15), ("中国建设银行", 5), ("甘肃银行", 5)];

/// Mobile number prefixes of the three carriers (1[3-9]x).
const PHONE_PREFIXES: &[&str] =
    &["133", "135", "136", "138", "139", "150", "151", "152", "153", "158", "177", "180", "181", "182", "187", "189", "191", "193", "199"];

/// An 11-digit mobile number.
pub(super) fn draw_phone(r: &mut impl Rng) -> String {
    let mut s = String::with_capacity(11);
    s.push_str(r.one_of(PHONE_PREFIXES));
    for _ in 0..8 {
        s.push(char::from(b'0' + r.random_range(0..10u8)));
    }
    s
}

/// A bank account for benefit payments in ~70 % of households.
pub(super) fn draw_bank_account(r: &mut impl Rng) -> Option<BankAccount> {
    r.chance(0.7).then(|| {
        let bank = r.pick(BANKS);
        BankAccount { bank: bank.to_string(), account_no: draw_account_no(r) }
    })
}

/// A 16–19 digit account number that can never be a real bank card: it starts with 99 (ISO/IEC
/// 7812's national-assignment range, no UnionPay card) and carries a valid Luhn check digit, so
/// payrolls pay it. About one in ten looks like a mistyped UnionPay card (62…, a wrong check
/// digit), which the payroll's checks stop (银行账号校验位不正确), as a county's data would.
fn draw_account_no(r: &mut impl Rng) -> String {
    let len = r.pick(&[(16usize, 1), (17, 1), (18, 1), (19, 5)]);
    let mut digits: Vec<u8> = vec![6, 2];
    while digits.len() < len - 1 {
        digits.push(r.random_range(0..10u8));
    }
    let typo = digits[2] == 0;
    if !typo {
        digits[0] = 9;
        digits[1] = 9;
    }
    let valid = luhn_check_digit(&digits);
    let wrong = (valid + 1 + r.random_range(0..9u8)) % 10;
    digits.push(if typo { wrong } else { valid });
    digits.into_iter().map(|x| char::from(b'0' + x)).collect()
}

/// The digit that would make `digits + [check]` pass the Luhn test.
fn luhn_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 0 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_domain::payment::{check_account_number, luhn_valid};
    use rand::SeedableRng;

    #[test]
    fn accounts_pay_except_the_mistyped_cards_and_none_is_a_real_card() {
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let drawn: Vec<String> = (0..5_000).map(|_| draw_account_no(&mut r)).collect();
        let typos = drawn.iter().filter(|a| a.starts_with("62")).count();
        for a in &drawn {
            assert!(a.starts_with("99") || a.starts_with("62"), "{a}");
            // 99…: a valid check digit, outside every card range; 62…: a UnionPay card number with a wrong one.
            assert_eq!(luhn_valid(a), a.starts_with("99"), "{a}");
            assert_eq!(check_account_number("account", a).is_ok(), a.starts_with("99"), "{a}");
        }
        assert!((350..650).contains(&typos), "about one in ten is a mistyped card: {typos} of 5000");
    }
}
