//! The wire spelling of an enum value (`Energy.Active.Import.Register`, `L1-N`, `kWh`) as a
//! `&'static str`, without allocating: serde hands a derived `Serialize` its unit variant's
//! (renamed) name as a static string, and [`wire_name`] is a serializer that keeps exactly that
//! and refuses everything else.

use std::fmt;

use serde::{
    Serialize, Serializer,
    ser::{self, Impossible},
};

/// The name a unit variant travels under; `None` for a value that is not one.
pub fn wire_name<T: Serialize + ?Sized>(value: &T) -> Option<&'static str> {
    value.serialize(NameOnly).ok()
}

struct NameOnly;

#[derive(Debug)]
struct NotAName;

impl fmt::Display for NotAName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a unit variant")
    }
}

impl std::error::Error for NotAName {}

impl ser::Error for NotAName {
    fn custom<T: fmt::Display>(_: T) -> Self {
        NotAName
    }
}

/// Every method but `serialize_unit_variant` refuses.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, NotAName> { Err(NotAName) })*
    };
}

impl Serializer for NameOnly {
    type Ok = &'static str;
    type Error = NotAName;
    type SerializeSeq = Impossible<&'static str, NotAName>;
    type SerializeTuple = Impossible<&'static str, NotAName>;
    type SerializeTupleStruct = Impossible<&'static str, NotAName>;
    type SerializeTupleVariant = Impossible<&'static str, NotAName>;
    type SerializeMap = Impossible<&'static str, NotAName>;
    type SerializeStruct = Impossible<&'static str, NotAName>;
    type SerializeStructVariant = Impossible<&'static str, NotAName>;

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<&'static str, NotAName> {
        Ok(variant)
    }

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<&'static str, NotAName> {
        Err(NotAName)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, NotAName> {
        Err(NotAName)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, NotAName> {
        Err(NotAName)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotAName> {
        Err(NotAName)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotAName> {
        Err(NotAName)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotAName> {
        Err(NotAName)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotAName> {
        Err(NotAName)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotAName> {
        Err(NotAName)
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, NotAName> {
        Err(NotAName)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotAName> {
        Err(NotAName)
    }
}

#[cfg(test)]
mod tests {
    use super::wire_name;
    use crate::v16::{Measurand, Phase, UnitOfMeasure};

    #[test]
    fn unit_variants_give_their_wire_spelling_and_nothing_else_a_name() {
        assert_eq!(
            wire_name(&Measurand::EnergyActiveImportRegister),
            Some("Energy.Active.Import.Register")
        );
        assert_eq!(wire_name(&Phase::L1N), Some("L1-N"));
        assert_eq!(wire_name(&UnitOfMeasure::KWh), Some("kWh"));
        assert_eq!(wire_name("a string"), None);
        assert_eq!(wire_name(&Some(Phase::L1)), None);
        assert_eq!(wire_name(&7), None);
    }
}
