//! Synthetic licence plates (机动车号牌): the province character and city letter of the
//! household's city, then a scrambled serial that is unique over the whole run.

use jiuzhu_domain::RegionCode;

/// Plate letters: the 24 Latin capitals without I and O (they read as 1 and 0).
const PLATE_LETTERS: &[u8; 24] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Province abbreviations (省级简称) by the first two digits of the division code.
const PROVINCES: &[(&str, &str)] = &[
    ("11", "京"),
    ("12", "津"),
    ("13", "冀"),
    ("14", "晋"),
    ("15", "蒙"),
    ("21", "辽"),
    ("22", "吉"),
    ("23", "黑"),
    ("31", "沪"),
    ("32", "苏"),
    ("33", "浙"),
    ("34", "皖"),
    ("35", "闽"),
    ("36", "赣"),
    ("37", "鲁"),
    ("41", "豫"),
    ("42", "鄂"),
    ("43", "湘"),
    ("44", "粤"),
    ("45", "桂"),
    ("46", "琼"),
    ("50", "渝"),
    ("51", "川"),
    ("52", "贵"),
    ("53", "云"),
    ("54", "藏"),
    ("61", "陕"),
    ("62", "甘"),
    ("63", "青"),
    ("64", "宁"),
    ("65", "新"),
];

/// Gansu's real city letters (the default region is in Gansu); other provinces get a letter
/// from the city's number.
const GANSU_CITIES: &[(&str, char)] = &[
    ("6201", 'A'),
    ("6202", 'B'),
    ("6203", 'C'),
    ("6204", 'D'),
    ("6205", 'E'),
    ("6206", 'H'),
    ("6207", 'G'),
    ("6208", 'L'),
    ("6209", 'F'),
    ("6210", 'M'),
    ("6211", 'J'),
    ("6212", 'K'),
    ("6229", 'N'),
    ("6230", 'P'),
];

/// Licence-plate prefix of the county's city: `甘L` for 平凉 (庄浪's city).
pub(crate) fn plate_prefix(county: &RegionCode) -> String {
    let c = county.as_str();
    let province = PROVINCES.iter().find(|(p, _)| c.starts_with(p)).map_or("甘", |(_, a)| a);
    let letter = GANSU_CITIES.iter().find(|(p, _)| c.starts_with(p)).map(|(_, l)| *l).unwrap_or_else(|| {
        let city: usize = c.get(2..4).and_then(|s| s.parse().ok()).unwrap_or(1);
        PLATE_LETTERS[(city.max(1) - 1) % 24] as char
    });
    format!("{province}{letter}")
}

/// The plate with serial number `serial` (0, 1, … over the run) in the city `region` lies in:
/// `甘L·A1234`, then `甘L·AB123`; serials are scrambled by an affine bijection so consecutive
/// households do not get consecutive plates. Beyond 816,000 a third letter keeps plates unique
/// for a province (serials count over the whole run, so plates are unique across cities too).
pub(crate) fn plate(serial: u64, region: &RegionCode) -> String {
    let letter = |i: u64| PLATE_LETTERS[i as usize] as char;
    let n = serial;
    let tail = if n < 240_000 {
        let m = (n * 7_919 + 12_345) % 240_000;
        format!("{}{:04}", letter(m / 10_000), m % 10_000)
    } else if n < 816_000 {
        let m = ((n - 240_000) * 7_919 + 777) % 576_000;
        format!("{}{}{:03}", letter(m / 24_000), letter((m / 1_000) % 24), m % 1_000)
    } else {
        let m = n - 816_000;
        format!("{}{}{}{:02}", letter((m / 57_600) % 24), letter((m / 2_400) % 24), letter((m / 100) % 24), m % 100)
    };
    format!("{}·{tail}", plate_prefix(region))
}
