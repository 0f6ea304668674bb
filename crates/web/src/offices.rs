//! 经办机构: each office's phone for residents (咨询电话) and the phone for complaints and
//! reports (监督举报电话), printed on the notices residents keep and on the public notice. Read
//! from a YAML file (`--offices`, or `offices.yaml` beside the database); an office is found by
//! walking up from a case's village to its town, county, city and province.

use jiuzhu_domain::{FieldError, RegionCode};
use serde::Deserialize;

/// One office as the file lists it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// The division it serves: a town (乡镇人民政府、街道办事处) or a county (民政局).
    pub region: String,
    /// Its name as printed (水洛镇人民政府社会救助窗口).
    pub name: String,
    /// 咨询电话: where residents ask about their application.
    pub phone: String,
    /// 监督举报电话 (usually the county's).
    #[serde(default)]
    pub supervision_phone: String,
    /// 办公地址, shown to residents who book a time (empty: not shown).
    #[serde(default)]
    pub address: String,
    /// 办公时间 as the window gives it (上午 8:30–12:00，下午 14:30–17:30), shown with bookings.
    #[serde(default)]
    pub hours: String,
    /// 预约办理: places per morning and per afternoon a town's window takes bookings for. Absent
    /// (or 0): the town takes no bookings online — nobody is promised a place the window did not
    /// set aside.
    #[serde(default)]
    pub bookings_per_half_day: Option<u32>,
}

/// Every office of the deployment.
#[derive(Debug, Clone, Default)]
pub struct Offices(Vec<(RegionCode, Office)>);

/// What a notice prints about the offices of one place: empty strings where none is set up.
#[derive(Debug, Clone, Default)]
pub struct Contacts {
    pub office: String,
    pub phone: String,
    pub supervision_phone: String,
}

impl Offices {
    /// Parses the file's text, naming the entry and field of every error.
    pub fn parse(text: &str) -> Result<Offices, String> {
        let list: Vec<Office> = serde_norway::from_str(text).map_err(|e| format!("offices: {e}"))?;
        let mut out = Vec::with_capacity(list.len());
        for (i, o) in list.into_iter().enumerate() {
            let field = |f: &str, e: FieldError| format!("offices[{i}].{f}: {}", e.zh);
            let code = RegionCode::parse(&o.region).map_err(|e| field("region", e))?;
            jiuzhu_domain::phone::parse_phone("phone", &o.phone).map_err(|e| field("phone", e))?;
            // A hotline may be a short number (12345 政务服务便民热线, 12349 民政服务热线).
            let hotline = (3..=6).contains(&o.supervision_phone.len()) && o.supervision_phone.bytes().all(|b| b.is_ascii_digit());
            if !o.supervision_phone.is_empty() && !hotline {
                jiuzhu_domain::phone::parse_phone("supervision_phone", &o.supervision_phone).map_err(|e| field("supervision_phone", e))?;
            }
            if out.iter().any(|(c, _)| *c == code) {
                return Err(format!("offices[{i}].region: {} 重复 / listed twice", o.region));
            }
            out.push((code, o));
        }
        Ok(Offices(out))
    }

    /// The nearest office serving `region` and the nearest supervision phone (each may come from
    /// a different level: a town's window, the county's hotline).
    pub fn contacts(&self, region: &RegionCode) -> Contacts {
        // Nearest first: the village, its town, county …
        let chain = region.ancestry();
        let find = |want: &dyn Fn(&Office) -> bool| {
            chain.iter().rev().find_map(|c| self.0.iter().find(|(code, o)| code == c && want(o)).map(|(_, o)| o))
        };
        let office = find(&|_| true);
        let supervision = find(&|o| !o.supervision_phone.is_empty());
        Contacts {
            office: office.map(|o| o.name.clone()).unwrap_or_default(),
            phone: office.map(|o| o.phone.clone()).unwrap_or_default(),
            supervision_phone: supervision.map(|o| o.supervision_phone.clone()).unwrap_or_default(),
        }
    }

    /// The office of exactly this town (its own entry, never a county's: a county's bureau sets
    /// no places at a town's window).
    pub fn window(&self, town: &RegionCode) -> Option<&Office> {
        self.0.iter().find(|(code, _)| code == town).map(|(_, o)| o)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "
- region: \"620825\"
  name: 庄浪县民政局
  phone: 0933-6621234
  supervision_phone: 0933-6625678
- region: \"620825100\"
  name: 水洛镇人民政府社会救助窗口
  phone: 0933-6620001
  hours: 上午 8:30–12:00，下午 14:30–17:30
  bookings_per_half_day: 6
";

    #[test]
    fn a_village_gets_its_towns_window_and_its_countys_hotline() {
        let o = Offices::parse(FILE).unwrap();
        let c = o.contacts(&RegionCode::parse("620825100201").unwrap());
        assert_eq!(
            (c.office.as_str(), c.phone.as_str(), c.supervision_phone.as_str()),
            ("水洛镇人民政府社会救助窗口", "0933-6620001", "0933-6625678")
        );
        // A town without its own entry: the county's.
        let c = o.contacts(&RegionCode::parse("620825101201").unwrap());
        assert_eq!((c.office.as_str(), c.phone.as_str()), ("庄浪县民政局", "0933-6621234"));
        assert_eq!(o.contacts(&RegionCode::parse("620826").unwrap()).phone, "", "nothing set up: nothing printed");
    }

    #[test]
    fn only_a_towns_own_entry_opens_bookings() {
        let o = Offices::parse(FILE).unwrap();
        assert_eq!(o.window(&RegionCode::parse("620825100").unwrap()).and_then(|w| w.bookings_per_half_day), Some(6));
        assert!(o.window(&RegionCode::parse("620825101").unwrap()).is_none(), "the county's entry is not a town's window");
    }

    #[test]
    fn a_bad_entry_is_named() {
        let bad = FILE.replace("0933-6620001", "12345");
        assert!(Offices::parse(&bad).unwrap_err().starts_with("offices[1].phone"), "{}", Offices::parse(&bad).unwrap_err());
        assert!(Offices::parse("- region: \"62\"\n  name: x\n  phone: 0931-1234567\n  fax: 1\n").unwrap_err().contains("fax"));
    }
}
