//! Ready-made providers for the vendors authgen ships, each derived with
//! `#[auth_provider]` from the vendor's own documentation.

pub mod crmcom;
pub mod currencycloud;
pub mod modulus;
pub mod onebox;

pub use crmcom::CrmCom;
pub use currencycloud::Currencycloud;
pub use modulus::{Modulus, ModulusJwt};
pub use onebox::OneBox;
