//! Dense index types (issue 18): one newtype per kind of index, so the
//! compiler stops a school index being used where an applicant index is
//! meant (the senior round's indices are here too, re-exported by
//! [`senior`](crate::senior)). Each wraps the `u32` the aliases used to be; [`SchoolIdx::index`]
//! and friends give the `usize` for indexing a `Vec`.

/// Defines a `u32` index newtype with an `index()` accessor.
macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub u32);

        impl $name {
            /// The index as a `usize`, for indexing `Vec`s.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// Dense index of a school in [`Scenario::schools`](super::Scenario::schools) (sorted by id).
    SchoolIdx
);
index_type!(
    /// Dense index of an applicant in [`Scenario::applicants`](super::Scenario::applicants) (sorted by id).
    AppIdx
);
index_type!(
    /// Dense index of a zone in [`Scenario::zones`](super::Scenario::zones) (sorted by id).
    ZoneIdx
);
index_type!(
    /// Index of a unit in the slice given to
    /// [`deferred_acceptance`](crate::matching::deferred_acceptance).
    UnitIdx
);
index_type!(
    /// Dense index of a senior school in
    /// [`SeniorScenario::seniors`](crate::senior::SeniorScenario::seniors) (sorted by id).
    SeniorIdx
);
index_type!(
    /// Dense index of a junior school in
    /// [`SeniorScenario::juniors`](crate::senior::SeniorScenario::juniors) (sorted by id).
    JuniorIdx
);
index_type!(
    /// Dense index of a candidate in
    /// [`SeniorScenario::candidates`](crate::senior::SeniorScenario::candidates) (sorted by id).
    CandIdx
);
