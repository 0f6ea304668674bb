//! Synthetic Chinese names: a weighted surname and one or two given-name characters.
//!
//! Names are drawn character by character, so any resemblance to a real person is chance;
//! no list of real people was used. Surname weights follow the national frequency ranking
//! (王 李 张 刘 陈 …) with local flavour for 庄浪 (柳, 韩, 万, 岳 appear in its village names).
//! Given-name characters depend on sex and birth cohort, because naming fashions changed
//! (建国/秀兰 for the old, 伟/丽 for the middle-aged, 浩宇/欣怡 for the young).

use crate::rng::RngExt;
use jiuzhu_domain::Sex;
use rand::Rng;

/// Surname and relative weight (per ten thousand, roughly).
pub(crate) const SURNAMES: &[(&str, u32)] = &[
    ("王", 800),
    ("李", 760),
    ("张", 700),
    ("刘", 600),
    ("柳", 420),
    ("陈", 400),
    ("杨", 400),
    ("赵", 340),
    ("韩", 260),
    ("朱", 240),
    ("徐", 220),
    ("吴", 200),
    ("马", 200),
    ("郑", 180),
    ("万", 150),
    ("黄", 150),
    ("周", 150),
    ("孙", 140),
    ("胡", 120),
    ("高", 120),
    ("郭", 120),
    ("苏", 100),
    ("魏", 100),
    ("贾", 100),
    ("何", 100),
    ("梁", 80),
    ("田", 80),
    ("宋", 80),
    ("罗", 80),
    ("岳", 60),
    ("雷", 60),
    ("邵", 60),
    ("林", 60),
    ("任", 60),
    ("蔡", 40),
];

const MALE_OLD: &[&str] = &[
    "国", "建", "军", "明", "福", "贵", "生", "平", "德", "有", "成", "忠", "海", "志", "文", "林", "祥", "荣", "发", "宝", "喜", "虎",
    "金", "山", "春", "元", "义", "礼", "仁", "兴", "旺", "全", "世", "学", "录", "才", "长", "万", "满", "存",
];
const FEMALE_OLD: &[&str] = &[
    "兰", "梅", "英", "花", "秀", "芳", "珍", "凤", "琴", "桂", "玉", "霞", "莲", "翠", "菊", "香", "娥", "巧", "叶", "彩", "月", "芬",
    "淑", "云", "爱", "粉", "转", "改", "引", "存",
];
const MALE_MID: &[&str] = &[
    "伟", "强", "军", "勇", "斌", "涛", "亮", "鹏", "辉", "刚", "杰", "东", "峰", "磊", "波", "彬", "龙", "海", "宏", "华", "飞", "明",
    "文", "平", "林", "超", "江", "建", "晓", "红", "小", "永", "志", "新",
];
const FEMALE_MID: &[&str] = &[
    "丽", "娟", "霞", "燕", "红", "敏", "静", "艳", "芳", "玲", "婷", "萍", "琴", "慧", "梅", "丹", "莉", "娜", "雪", "晶", "华", "小",
    "亚", "彩", "春", "玉",
];
const MALE_YOUNG: &[&str] = &[
    "浩", "宇", "轩", "子", "博", "睿", "泽", "涵", "杰", "晨", "铭", "鑫", "磊", "阳", "俊", "凯", "航", "瑞", "哲", "昊", "诚", "嘉",
    "一", "天", "文", "宸", "逸", "佳", "锦", "奕",
];
const FEMALE_YOUNG: &[&str] = &[
    "欣", "怡", "梓", "涵", "雨", "佳", "思", "诺", "嘉", "萱", "琪", "悦", "可", "馨", "婷", "雅", "妍", "心", "瑶", "彤", "若", "晴",
    "语", "诗", "子", "一",
];

/// A weighted surname.
pub(crate) fn surname(r: &mut impl Rng) -> &'static str {
    r.pick(SURNAMES)
}

/// A given name of one or two characters for a person born in `birth_year`.
///
/// Single-character given names were common for people born before ~1990 and rarer since
/// (about 35 %, 30 % and 15 % of the old, middle and young cohorts).
pub(crate) fn given_name(r: &mut impl Rng, sex: Sex, birth_year: i32) -> String {
    let (list, single) = match (sex, birth_year) {
        (Sex::Male, ..1965) => (MALE_OLD, 0.35),
        (Sex::Female, ..1965) => (FEMALE_OLD, 0.35),
        (Sex::Male, 1965..1995) => (MALE_MID, 0.30),
        (Sex::Female, 1965..1995) => (FEMALE_MID, 0.30),
        (Sex::Male, _) => (MALE_YOUNG, 0.15),
        (Sex::Female, _) => (FEMALE_YOUNG, 0.15),
    };
    let mut s = String::with_capacity(6);
    s.push_str(r.one_of(list));
    if !r.chance(single) {
        s.push_str(r.one_of(list));
    }
    s
}
