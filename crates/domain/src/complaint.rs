//! 投诉举报: the vocabulary of a resident's complaint or report about social assistance — what
//! it is about, how it came in, where it stands and what the check found. The rules (routing,
//! deadlines, escalation) are `jiuzhu_residents::complaints`; the storage is
//! `jiuzhu_store::ComplaintStore`.

use crate::enums::string_enum;

string_enum! {
    /// 投诉举报类别
    ComplaintCategory {
        /// 应保未保: a household that should receive assistance does not.
        EligibleLeftOut = "eligible_left_out" / "应保未保" / "eligible but left out",
        /// 错保: a household receives assistance it should not.
        WronglyIncluded = "wrongly_included" / "错保（不符合条件却享受救助）" / "receiving without qualifying",
        /// 优亲厚友: staff or village cadres favouring relatives and friends.
        Favouritism = "favouritism" / "优亲厚友" / "favouring relatives and friends",
        /// 待遇未按时足额发放
        PaymentLateOrShort = "payment_late_or_short" / "待遇未按时足额发放" / "benefit paid late or short",
        /// 工作人员作风: rudeness, delay, asking for favours.
        StaffConduct = "staff_conduct" / "工作人员作风问题" / "staff conduct",
        /// 其他
        Other = "other" / "其他" / "other",
    }
}

impl ComplaintCategory {
    /// Whether a complaint of this kind is about staff by its nature, so that it is handled above
    /// the town where it happened even when nobody is named (优亲厚友、作风问题).
    pub fn concerns_staff(self) -> bool {
        matches!(self, ComplaintCategory::Favouritism | ComplaintCategory::StaffConduct)
    }
}

string_enum! {
    /// 来源渠道
    ComplaintChannel {
        /// 网上（手机）
        Online = "online" / "网上（手机）" / "online (phone)",
        /// 服务大厅自助终端
        Kiosk = "kiosk" / "自助终端" / "kiosk",
        /// 12345 政务服务便民热线工单
        Hotline = "hotline" / "12345热线工单" / "12345 hotline work order",
        /// 来信来访（窗口登记）
        Visit = "visit" / "来信来访" / "letter or visit",
    }
}

string_enum! {
    /// 办理状态
    ComplaintState {
        /// 待受理: received, no handler has signed for it yet.
        Received = "received" / "待受理" / "waiting to be taken up",
        /// 办理中: a handler signed for it and is checking.
        Handling = "handling" / "核查办理中" / "being checked",
        /// 已办结: findings recorded and the reply given.
        Answered = "answered" / "已办结并答复" / "answered",
    }
}

string_enum! {
    /// 核查结论
    Finding {
        /// 属实
        Substantiated = "substantiated" / "反映问题属实" / "substantiated",
        /// 部分属实
        PartlySubstantiated = "partly_substantiated" / "反映问题部分属实" / "partly substantiated",
        /// 不属实
        Unsubstantiated = "unsubstantiated" / "反映问题不属实" / "not substantiated",
        /// 不属于社会救助职责，已转交有关部门
        Referred = "referred" / "不属于社会救助事项，已转交有关部门" / "not a social assistance matter; passed on",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in ComplaintCategory::ALL {
            assert_eq!(ComplaintCategory::parse(c.as_str()), Some(*c));
        }
        for c in ComplaintChannel::ALL {
            assert_eq!(ComplaintChannel::parse(c.as_str()), Some(*c));
        }
        for s in ComplaintState::ALL {
            assert_eq!(ComplaintState::parse(s.as_str()), Some(*s));
        }
        for f in Finding::ALL {
            assert_eq!(Finding::parse(f.as_str()), Some(*f));
        }
    }

    #[test]
    fn only_favouritism_and_conduct_concern_staff_by_nature() {
        let staff: Vec<_> = ComplaintCategory::ALL.iter().filter(|c| c.concerns_staff()).collect();
        assert_eq!(staff, [&ComplaintCategory::Favouritism, &ComplaintCategory::StaffConduct]);
    }
}
