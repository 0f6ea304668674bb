//! Validated domain types shared by every part of jiuzhu.
//!
//! Values are parsed once at the edge (`IdNumber::parse`, `RegionCode::parse`, `Fen::parse_yuan`)
//! and are valid from then on. Nothing here does I/O: the reference data (division codes,
//! holiday calendar) is compiled into the binary from `data/`.

pub mod access;
pub mod account;
pub mod booking;
pub mod calendar;
pub mod casework;
pub mod clock;
pub mod complaint;
pub mod declaration;
mod enums;
pub mod error;
pub mod household;
pub mod id_number;
pub mod mask;
pub mod money;
pub mod payment;
pub mod phone;
pub mod question;
pub mod rating;
pub mod region;
pub mod text;
pub mod trail;
pub mod user;

pub use account::{Permission, Role, Scope};
pub use calendar::Calendar;
pub use clock::{Clock, SystemClock};
pub use declaration::{Declaration, Section};
pub use error::{FieldError, Lang, ValidationErrors};
pub use household::*;
pub use id_number::{IdNumber, Sex};
pub use money::Fen;
pub use region::{Division, HistoricalName, RegionCode, RegionLevel};
pub use trail::{Action, Denial, ObjectKind, SearchBy, Trail};
pub use user::{Actor, SessionKey, User};
