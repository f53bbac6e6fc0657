"""Reads a PDF strictly with pypdf, an independent reader, and prints its title and each page's
text as JSON: what a member's PDF viewer would show of an invoice the CSMS wrote."""

import json
import sys

from pypdf import PdfReader


def main() -> None:
    reader = PdfReader(sys.argv[1], strict=True)
    title = reader.metadata.title if reader.metadata else None
    pages = [page.extract_text() for page in reader.pages]
    print(json.dumps({"title": title, "pages": pages}))


if __name__ == "__main__":
    main()
