//! Typestate markers of the generated credential builders: whether each field has been
//! given a value, so that `build()` compiles only for complete credentials.

/// Typestate of a builder field that has been given a value.
#[derive(Debug)]
pub struct Set;
/// Typestate of a builder field that has not been given a value yet.
#[derive(Debug)]
pub struct Unset;

/// What a builder stores for a field in a given state: the value once `Set`, nothing
/// while `Unset`. `build()` therefore never has to unwrap.
pub trait FieldState {
    /// The storage for a field of type `T` in this state.
    type Slot<T>;
    /// The value, if this state has one.
    fn into_option<T>(slot: Self::Slot<T>) -> Option<T>;
}

impl FieldState for Set {
    type Slot<T> = T;
    fn into_option<T>(slot: T) -> Option<T> {
        Some(slot)
    }
}

impl FieldState for Unset {
    type Slot<T> = ();
    fn into_option<T>(_: ()) -> Option<T> {
        None
    }
}
