"""Validates an XML document against an official ISO 20022 schema, with the independent
`xmlschema` library and the XSD files the `sepaxml` package ships (pain.008.001.02 and the
others), for the SEPA tests in `tests/tests/sepa.rs`. Prints "valid" or the first violation
and exits 1.

Usage: validate_xsd.py SCHEMA_NAME FILE     (e.g. pain.008.001.02 batch.xml)
"""

import os
import sys

import sepaxml
import xmlschema


def main():
    name, path = sys.argv[1], sys.argv[2]
    xsd = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{name}.xsd")
    schema = xmlschema.XMLSchema(xsd)
    try:
        schema.validate(path)
    except xmlschema.XMLSchemaValidationError as e:
        print(f"invalid: {e.reason} at {e.path}")
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
