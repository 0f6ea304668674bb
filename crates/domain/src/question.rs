//! 在线咨询: the vocabulary of a resident's question to the town and the thread that answers it.
//! The rules (what a question must say, the answer deadline) are `jiuzhu_residents::questions`;
//! the storage `jiuzhu_store::QuestionStore`.

use crate::enums::string_enum;

string_enum! {
    /// 咨询事项
    QuestionTopic {
        /// 能不能申请、够不够条件
        Eligibility = "eligibility" / "能不能申请" / "whether I can apply",
        /// 要带什么材料、到哪里办
        Materials = "materials" / "材料和办理地点" / "what to bring and where",
        /// 申请办到哪一步了
        Progress = "progress" / "办理进度" / "how my application is going",
        /// 救助金什么时候发、发多少
        Payment = "payment" / "救助金发放" / "payments",
        /// 其他
        Other = "other" / "其他" / "other",
    }
}

string_enum! {
    /// 咨询状态
    QuestionState {
        /// 待答复: the resident asked (or asked again); the town owes an answer by the due day.
        Waiting = "waiting" / "待答复" / "waiting for an answer",
        /// 已答复: the town answered; the resident may ask again in the same thread.
        Answered = "answered" / "已答复" / "answered",
        /// 已结束: the resident said it is resolved.
        Closed = "closed" / "已结束" / "closed",
    }
}
