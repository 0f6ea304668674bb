//! 预约办理: the vocabulary of a resident's booking of a half day at the town window. The rules
//! (which days may be booked, what a booking must say) are `jiuzhu_residents::bookings`; the
//! storage `jiuzhu_store::BookingStore`.

use crate::enums::string_enum;

string_enum! {
    /// 预约事项: what the resident comes to the window for.
    BookingPurpose {
        /// 申请救助（当面申请）
        Apply = "apply" / "申请救助" / "apply for assistance",
        /// 补交材料、签字（已在网上申请的）
        Materials = "materials" / "补交材料或签字" / "bring materials or sign",
        /// 当面咨询政策
        Consult = "consult" / "当面咨询" / "ask in person",
        /// 其他事项
        Other = "other" / "其他事项" / "something else",
    }
}

string_enum! {
    /// 时段: the half day booked. The window's own opening hours are the office's (offices file);
    /// a booking holds a place in that half day, not a minute.
    BookingSlot {
        /// 上午
        Morning = "morning" / "上午" / "morning",
        /// 下午
        Afternoon = "afternoon" / "下午" / "afternoon",
    }
}

string_enum! {
    /// 预约状态
    BookingState {
        /// 已预约: holds a place.
        Booked = "booked" / "已预约" / "booked",
        /// 已取消 by the resident (the place is free again).
        Cancelled = "cancelled" / "已取消" / "cancelled",
        /// 已到场办理 (the window recorded it).
        Arrived = "arrived" / "已到场办理" / "came and was served",
        /// 未到场 (the window recorded it, on or after the day).
        Missed = "missed" / "未到场" / "did not come",
    }
}
