//! An invoice as a PDF a member downloads: A4, in Spanish, with what Spain's invoicing rules
//! ask of it (number and series, date of issue, issuer's name, tax identifier and address, the
//! customer, each line, the base, the VAT rate and amount, the total). Written with
//! `pdf-writer` in the standard Helvetica (text) and Courier (amounts, aligned on the right),
//! so no font file is embedded; text outside their WinAnsi encoding is transliterated.

use pdf_writer::{Content, Date, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::{config::invoicing::IssuerArgs, store::billing::invoices::Invoice};

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const LEFT: f32 = 56.0;
const RIGHT: f32 = WIDTH - 56.0;
const BOTTOM: f32 = 72.0;
const TEXT: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");
const MONO: Name = Name(b"F3");

/// Who the invoice is for.
#[derive(Debug, Clone)]
pub struct Customer {
    pub name: String,
    pub email: String,
}

/// Cents as Spanish invoices write them: `1.234,56 €`.
pub fn importe(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped},{:02} €", abs % 100)
}

/// `text` in WinAnsiEncoding, the standard fonts' own; what it lacks is transliterated.
fn winansi(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ' '..='~' => out.push(c as u8),
            '\u{a0}'..='\u{ff}' => out.push(c as u32 as u8),
            '€' => out.push(0x80),
            '‘' => out.push(0x91),
            '’' => out.push(0x92),
            '“' => out.push(0x93),
            '”' => out.push(0x94),
            '•' => out.push(0x95),
            '–' => out.push(0x96),
            '—' => out.push(0x97),
            c if c.is_control() => out.push(b' '),
            c => out.extend(
                deunicode::deunicode_char(c)
                    .unwrap_or("?")
                    .bytes()
                    .filter(|b| (b' '..=b'~').contains(b)),
            ),
        }
    }
    out
}

/// At most `max` characters of `text`, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// The pages being written, and where the next line goes.
struct Pages {
    done: Vec<Content>,
    page: Content,
    y: f32,
}

impl Pages {
    fn new() -> Pages {
        Pages {
            done: Vec::new(),
            page: Content::new(),
            y: HEIGHT - 64.0,
        }
    }

    /// Room for `height` more points, on a new page if this one is full.
    fn need(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            let full = std::mem::replace(&mut self.page, Content::new());
            self.done.push(full);
            self.y = HEIGHT - 64.0;
        }
    }

    fn text(&mut self, font: Name, size: f32, x: f32, text: &str) {
        let y = self.y;
        self.page
            .begin_text()
            .set_font(font, size)
            .next_line(x, y)
            .show(Str(&winansi(text)))
            .end_text();
    }

    /// An amount in Courier, its last character at `right`.
    fn amount(&mut self, size: f32, right: f32, text: &str) {
        let width = winansi(text).len() as f32 * 0.6 * size;
        self.text(MONO, size, right - width, text);
    }

    fn rule(&mut self) {
        let y = self.y + 4.0;
        self.page
            .set_line_width(0.5)
            .move_to(LEFT, y)
            .line_to(RIGHT, y)
            .stroke();
    }

    fn down(&mut self, by: f32) {
        self.y -= by;
    }

    fn finish(mut self) -> Vec<Content> {
        self.done.push(self.page);
        self.done
    }
}

/// The invoice's PDF.
pub fn render(invoice: &Invoice, issuer: &IssuerArgs, customer: &Customer) -> Vec<u8> {
    let mut p = Pages::new();
    p.text(BOLD, 20.0, LEFT, "FACTURA");
    p.amount(12.0, RIGHT, &invoice.number);
    p.down(30.0);
    p.text(BOLD, 10.0, LEFT, "Emisor");
    p.text(BOLD, 10.0, 320.0, "Cliente");
    p.down(14.0);
    let nif = issuer.tax_id.as_deref().map(|id| format!("NIF: {id}"));
    let left = [Some(issuer.name.clone()), nif, Some(issuer.address.clone())];
    let right = [
        Some(customer.name.clone()),
        Some(customer.email.clone()),
        None,
    ];
    for (l, r) in left.iter().zip(&right) {
        if let Some(l) = l {
            p.text(TEXT, 10.0, LEFT, &clip(l, 44));
        }
        if let Some(r) = r {
            p.text(TEXT, 10.0, 320.0, &clip(r, 40));
        }
        p.down(13.0);
    }
    p.down(10.0);
    let issued = invoice.issued_at.format("%d/%m/%Y").to_string();
    p.text(TEXT, 10.0, LEFT, &format!("Fecha de expedición: {issued}"));
    p.down(13.0);
    p.text(
        TEXT,
        10.0,
        LEFT,
        &format!("Periodo facturado: {}", invoice.month),
    );
    p.down(28.0);
    p.text(BOLD, 10.0, LEFT, "Concepto");
    p.text(BOLD, 10.0, RIGHT - 92.0, "Importe (IVA incl.)");
    p.down(6.0);
    p.rule();
    p.down(12.0);
    for line in &invoice.lines {
        p.need(14.0);
        p.text(TEXT, 9.5, LEFT, &clip(&line.description, 78));
        p.amount(9.5, RIGHT, &importe(line.total_cents));
        p.down(14.0);
    }
    p.need(70.0);
    p.rule();
    p.down(14.0);
    let totals = [
        ("Base imponible".to_owned(), invoice.base_cents, TEXT),
        (
            format!("IVA {} %", invoice.vat_percent),
            invoice.vat_cents,
            TEXT,
        ),
        ("Total".to_owned(), invoice.total_cents, BOLD),
    ];
    for (label, cents, font) in totals {
        p.text(font, 10.0, RIGHT - 220.0, &label);
        p.amount(10.0, RIGHT, &importe(cents));
        p.down(15.0);
    }
    write(invoice, issuer, p.finish())
}

/// The document around the pages' contents, each page numbered.
fn write(invoice: &Invoice, issuer: &IssuerArgs, pages: Vec<Content>) -> Vec<u8> {
    let (catalog, tree, info) = (Ref::new(1), Ref::new(2), Ref::new(3));
    let fonts = [
        (TEXT, Ref::new(4), "Helvetica"),
        (BOLD, Ref::new(5), "Helvetica-Bold"),
        (MONO, Ref::new(6), "Courier"),
    ];
    let count = pages.len();
    let ids: Vec<(Ref, Ref)> = (0..count)
        .map(|i| (Ref::new(10 + 2 * i as i32), Ref::new(11 + 2 * i as i32)))
        .collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(ids.iter().map(|(page, _)| *page))
        .count(count as i32);
    let at = invoice.issued_at;
    let date = Date::new(chrono::Datelike::year(&at) as u16)
        .month(chrono::Datelike::month(&at) as u8)
        .day(chrono::Datelike::day(&at) as u8);
    pdf.document_info(info)
        .title(TextStr(&format!("Factura {}", invoice.number)))
        .author(TextStr(&issuer.name))
        .creation_date(date);
    for (_, id, base) in fonts {
        pdf.type1_font(id)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (i, (mut content, (page, stream))) in pages.into_iter().zip(&ids).enumerate() {
        let footer = format!(
            "{} · {} · página {} de {count}",
            issuer.name,
            invoice.number,
            i + 1
        );
        content
            .begin_text()
            .set_font(TEXT, 8.0)
            .next_line(LEFT, 40.0)
            .show(Str(&winansi(&footer)))
            .end_text();
        let mut writer = pdf.page(*page);
        writer
            .parent(tree)
            .media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
            .contents(*stream);
        let mut resources = writer.resources();
        let mut names = resources.fonts();
        for (name, id, _) in fonts {
            names.pair(name, id);
        }
        names.finish();
        resources.finish();
        writer.finish();
        pdf.stream(*stream, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::{clip, importe, winansi};

    #[test]
    fn a_long_invoice_runs_onto_numbered_pages() {
        let invoice = crate::store::billing::invoices::Invoice {
            number: "F-000042".into(),
            month: "2026-11".into(),
            issued_at: chrono::Utc::now(),
            vat_percent: 21,
            base_cents: 9917,
            vat_cents: 2083,
            total_cents: 12_000,
            lines: (0..120)
                .map(|i| crate::store::billing::invoices::InvoiceLine {
                    description: format!("Sesión {i} en CP-{i}"),
                    total_cents: 100,
                })
                .collect(),
        };
        let issuer = crate::Config::default().issuer;
        let customer = super::Customer {
            name: "Ana".into(),
            email: "ana@citere.es".into(),
        };
        let pdf = super::render(&invoice, &issuer, &customer);
        let text = String::from_utf8_lossy(&pdf);
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(
            text.contains("/Count 3"),
            "39 lines, then 50, then the rest"
        );
        let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
        assert_eq!(pages, 3);
    }

    #[test]
    fn amounts_are_written_the_spanish_way() {
        assert_eq!(importe(0), "0,00 €");
        assert_eq!(importe(400), "4,00 €");
        assert_eq!(importe(123_456), "1.234,56 €");
        assert_eq!(importe(100_000_000), "1.000.000,00 €");
        assert_eq!(importe(-55), "-0,55 €");
    }

    #[test]
    fn text_is_encoded_for_the_standard_fonts() {
        assert_eq!(winansi("Gijón 4,00 €"), b"Gij\xf3n 4,00 \x80");
        assert_eq!(winansi("Łódź 東"), b"L\xf3dz Dong ");
        assert_eq!(winansi("a\u{0}b"), b"a b");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
