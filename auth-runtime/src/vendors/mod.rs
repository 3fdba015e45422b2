//! Ready-made providers for the vendors authgen ships, each derived with
//! `#[auth_provider]` from the vendor's own documentation.

pub mod crmcom;

pub use crmcom::CrmCom;
