//! Writing the ISO 20022 documents of SEPA (pain.008 debits, pain.001 refunds): elements and
//! texts through quick-xml, which escapes every value, amounts in decimal euros, and names and
//! texts put in the SEPA character set first, so that no member's name (a control character,
//! another script) can make a bank refuse a whole file.

use quick_xml::{
    Writer,
    events::{BytesEnd, BytesStart, BytesText, Event},
};

pub fn new() -> Xml {
    Xml(Writer::new_with_indent(Vec::new(), b' ', 1))
}

impl Xml {
    /// The document written, as text.
    pub fn finish(self) -> String {
        String::from_utf8(self.0.into_inner()).expect("quick-xml writes UTF-8")
    }
}

/// A document being written; writing to memory never fails.
pub struct Xml(pub Writer<Vec<u8>>);

impl Xml {
    pub fn event(&mut self, event: Event<'_>) {
        self.0
            .write_event(event)
            .expect("writing to memory never fails");
    }

    pub fn open(&mut self, name: &str) {
        self.event(Event::Start(BytesStart::new(name)));
    }

    pub fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    pub fn leaf(&mut self, name: &str, text: &str) {
        self.open(name);
        self.event(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    /// `<a><b>…<last>text</last>…</b></a>`.
    pub fn path(&mut self, names: &[&str], text: &str) {
        let (last, outer) = names.split_last().expect("a path has a leaf");
        for name in outer {
            self.open(name);
        }
        self.leaf(last, text);
        for name in outer.iter().rev() {
            self.close(name);
        }
    }
}

/// `12.30`: the decimal euros the schema's amounts are.
pub fn euros(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `text` in the SEPA character set (the Latin letters, digits and `/-?:().,'+` and space
/// every bank takes): accents and other scripts transliterated (deunicode), anything else a
/// space; at most `max` characters (the schema's MaxNText), never empty.
pub fn clip(text: &str, max: usize) -> String {
    let latin = deunicode::deunicode(text);
    let sepa: String = latin
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "/-?:().,'+ ".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<&str> = sepa.split_whitespace().collect();
    let joined: String = words.join(" ").chars().take(max).collect();
    if joined.trim().is_empty() {
        "NOTPROVIDED".into()
    } else {
        joined.trim_end().to_owned()
    }
}

/// A bank: its BIC, or `NOTPROVIDED`.
pub fn agent(x: &mut Xml, name: &str, bic: Option<&str>) {
    x.open(name);
    x.open("FinInstnId");
    match bic {
        Some(bic) => x.leaf("BIC", bic),
        None => x.path(&["Othr", "Id"], "NOTPROVIDED"),
    }
    x.close("FinInstnId");
    x.close(name);
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn texts_are_put_in_the_sepa_character_set() {
        assert_eq!(clip("Ana García-Öst", 70), "Ana Garcia-Ost");
        assert_eq!(clip("CITERE S.A. <Gijón> & Co", 70), "CITERE S.A. Gijon Co");
        assert_eq!(clip("bad\u{1}name\u{b}", 70), "bad name");
        assert_eq!(clip("李小龍", 70), "Li Xiao Long");
        assert_eq!(clip("\u{1}\u{2}", 70), "NOTPROVIDED");
        assert_eq!(clip(&"x".repeat(200), 140).len(), 140);
    }
}
