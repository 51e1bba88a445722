//! Constants and defaults written the roundabout ways Apache Thrift accepts hold the values the IDL means in the
//! generated code (`idlc_tests::generated::realworld`, compiled under `deny(warnings)`).

use std::collections::{BTreeMap, BTreeSet};

use idlc_tests::generated::realworld::palette_colours::Hue;
use idlc_tests::generated::realworld::realworld_empty_containers as empty;
use idlc_tests::generated::realworld::realworld_enum_typedef_members as typedefs;

#[test]
fn empty_braces_and_brackets_are_empty_containers_of_the_declared_kind() {
    assert_eq!(*empty::NO_TAGS, BTreeSet::<String>::new());
    assert_eq!(*empty::NO_PORTS, Vec::<i32>::new());
    assert_eq!(*empty::NO_LIMITS, BTreeMap::<String, i32>::new());
    assert_eq!(*empty::NO_IDS, BTreeSet::<i64>::new());
    assert_eq!(*empty::GROUPS, [BTreeSet::new(), BTreeSet::from([1, 2])]);
    let filter = empty::Filter::default();
    // An optional field with a default starts out set, to the empty set.
    assert_eq!(filter.digests, Some(BTreeSet::new()));
    assert!(filter.names.is_empty() && filter.codes.is_empty() && filter.labels.is_empty());
    assert!(filter.owners.is_empty());
}

#[test]
fn enum_members_named_through_typedefs_are_the_members_of_the_enum() {
    assert_eq!(typedefs::DEFAULT_FINISH, typedefs::Surface::MATTE);
    assert_eq!(typedefs::PREFERRED_SURFACE, typedefs::Surface::SATIN);
    assert_eq!(typedefs::ACCENT, Hue::BLUE);
    assert_eq!(typedefs::BACKGROUND, Hue::GREEN);
    assert_eq!(*typedefs::SWATCHES, [Hue::RED, Hue::BLUE, Hue::GREEN]);
    assert_eq!(
        *typedefs::DEFAULT_TINTS,
        BTreeMap::from([
            (typedefs::Surface::GLOSS, Hue::RED),
            (typedefs::Surface::MATTE, Hue::GREEN),
        ])
    );
    let order = typedefs::PaintOrder::default();
    assert_eq!(order.finish, typedefs::Surface::GLOSS);
    assert_eq!(order.surface, typedefs::Surface::MATTE);
    assert_eq!(order.tint, Hue::BLUE);
    assert_eq!(order.shade, Hue::RED);
    assert_eq!(
        order.alternatives,
        BTreeSet::from([typedefs::Surface::SATIN, typedefs::Surface::MATTE])
    );
}
