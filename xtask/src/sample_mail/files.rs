//! Attachment bodies for the sample mailbox: small but well-formed PNG screenshots, one-page PDF
//! invoices, CSV exports and log excerpts, all derived from the generator's random stream.

use super::Rng;

/// A `width`×`height` RGB PNG that looks vaguely like a screenshot (a window with a title bar
/// and a few coloured blocks). Stored (uncompressed) deflate keeps the encoder tiny.
pub fn png(rng: &mut Rng, width: u32, height: u32) -> Vec<u8> {
    let accent = [
        rng.below(200) as u8 + 30,
        rng.below(200) as u8 + 30,
        rng.below(200) as u8 + 30,
    ];
    let blocks: Vec<(u32, u32, u32, u32)> = (0..4)
        .map(|_| {
            let x = rng.below(u64::from(width / 2)) as u32 + 4;
            let y = rng.below(u64::from(height / 2)) as u32 + 16;
            let w = rng.below(u64::from(width / 3)) as u32 + 8;
            let h = rng.below(u64::from(height / 4)) as u32 + 4;
            (x, y, w, h)
        })
        .collect();
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let pixel = if y < 12 {
                accent
            } else if blocks
                .iter()
                .any(|&(bx, by, bw, bh)| x >= bx && x < bx + bw && y >= by && y < by + bh)
            {
                [accent[2], accent[0], accent[1]]
            } else if (x + y) % 16 == 0 {
                [225, 225, 230]
            } else {
                [245, 245, 248]
            };
            raw.extend_from_slice(&pixel);
        }
    }

    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    png_chunk(&mut png, b"IEND", &[]);
    png
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of stored deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A one-page PDF with the given lines of (ASCII) text, with a correct cross-reference table.
pub fn pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 72 770 Td\n");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            content.push_str("0 -18 Td\n");
        }
        let escaped: String = line
            .chars()
            .filter(char::is_ascii)
            .map(|c| match c {
                '(' | ')' | '\\' => format!("\\{c}"),
                c => c.to_string(),
            })
            .collect();
        content.push_str(&format!("({escaped}) Tj\n"));
    }
    content.push_str("ET\n");

    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{object}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for offset in offsets {
        out.push_str(&format!("{offset:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

/// A ticket export as a customer's spreadsheet would save it.
pub fn csv(rng: &mut Rng, rows: usize) -> Vec<u8> {
    const SUBJECTS: &[&str] = &[
        "Login loop on mobile",
        "Export missing tags",
        "\"Urgent\" - invoice question",
        "Sync delayed, again",
        "Add agent seat",
        "Password reset email never arrives",
    ];
    const STATUS: &[&str] = &["open", "pending", "solved", "closed"];
    let mut out = String::from("ticket_id,created,requester,subject,status,tags\r\n");
    for i in 0..rows {
        let subject = rng.pick(SUBJECTS);
        out.push_str(&format!(
            "{},2024-{:02}-{:02},user{}@customer.example,\"{}\",{},\r\n",
            41_000 + i as u64 * 7 + rng.below(7),
            rng.below(3) + 8,
            rng.below(28) + 1,
            rng.below(900) + 100,
            subject.replace('"', "\"\""),
            rng.pick(STATUS),
        ));
    }
    out.into_bytes()
}

/// An excerpt of a sync client's log around a failure.
pub fn log(rng: &mut Rng, lines: usize) -> Vec<u8> {
    const EVENTS: &[&str] = &[
        "INFO  sync: fetched 50 messages in 812ms",
        "INFO  sync: checkpoint saved",
        "WARN  sync: upstream slow (2403ms), backing off",
        "ERROR sync: upstream returned 503 Service Unavailable (attempt 3/5)",
        "ERROR sync: giving up on batch, will retry in 300s",
        "DEBUG http: GET /api/v2/messages?page=7 -> 200",
    ];
    let mut out = String::new();
    let mut seconds = rng.below(3_600);
    for _ in 0..lines {
        seconds += rng.below(40) + 1;
        out.push_str(&format!(
            "2024-09-12T{:02}:{:02}:{:02}Z {}\n",
            13 + seconds / 3_600,
            seconds / 60 % 60,
            seconds % 60,
            rng.pick(EVENTS)
        ));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_reference_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn png_has_signature_and_ends_with_iend() {
        let png = png(&mut Rng::new(7), 32, 20);
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
    }

    #[test]
    fn pdf_cross_reference_points_at_objects() {
        let pdf = String::from_utf8(pdf(&["Invoice (copy)".to_owned()])).unwrap();
        let startxref: usize = pdf
            .lines()
            .skip_while(|line| *line != "startxref")
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        assert!(pdf[startxref..].starts_with("xref"));
        let first = pdf[startxref..].lines().nth(3).unwrap();
        let offset: usize = first[..10].parse().unwrap();
        assert!(pdf[offset..].starts_with("1 0 obj"));
        assert!(pdf.contains("(Invoice \\(copy\\)) Tj"));
    }
}
