//! The images of a visit's record: photos and the guardian's drawn signature.
//! An image is one by its content (a JPEG, PNG or WebP whose structure parses and
//! that has a size), never by its name or the type its sender claims. What
//! leaves here carries no metadata: EXIF (with the phone's location), XMP and
//! text chunks are removed; only a JPEG's orientation is kept, so that a photo
//! taken upright still shows upright.

use img_parts::jpeg::{Jpeg, JpegSegment, markers};
use img_parts::png::Png;
use img_parts::webp::{CHUNK_EXIF, CHUNK_XMP, WebP};
use img_parts::{Bytes, ImageEXIF};
use sha2::{Digest, Sha256};

/// At most this many photos a visit.
pub const MAX_PHOTOS: usize = 3;
/// At most this large a photo, as sent.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// A drawn signature is a small PNG; anything larger is not one.
pub const MAX_SIGNATURE_BYTES: usize = 512 * 1024;
/// At most this many pixels an image: a phone's photo has 12 to 50 million; a
/// few kilobytes of PNG may claim 50,000 × 50,000, which every page showing it
/// would have to decode.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Why a file is not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageProblem {
    #[error("{bytes} bytes is more than the {limit} a file may have")]
    TooLarge { bytes: usize, limit: usize },
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("{width} × {height} pixels is more than the {limit} an image may have")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
}

/// An image's size read from its header, refused past [`MAX_PIXELS`].
fn check_size(dimensions: Option<(u32, u32)>) -> Result<(), ImageProblem> {
    let (width, height) = dimensions.ok_or(ImageProblem::NotAnImage)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageProblem::TooManyPixels {
            width,
            height,
            limit: MAX_PIXELS,
        });
    }
    Ok(())
}

/// An image checked and stripped of its metadata: the only way to one is
/// [`clean`], so whatever stores a `CleanImage` stores a checked one.
#[derive(Debug, Clone)]
pub struct CleanImage {
    content_type: &'static str,
    bytes: Vec<u8>,
}

impl CleanImage {
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Hex SHA-256 of the stored bytes, for the audit row.
    pub fn sha256(&self) -> String {
        Sha256::digest(&self.bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Checks that `bytes` are an image of at most `limit` bytes and answers it
/// without its metadata.
pub fn clean(bytes: &[u8], limit: usize) -> Result<CleanImage, ImageProblem> {
    if bytes.len() > limit {
        return Err(ImageProblem::TooLarge {
            bytes: bytes.len(),
            limit,
        });
    }
    let data = Bytes::copy_from_slice(bytes);
    let (content_type, cleaned) = if bytes.starts_with(&[0xFF, 0xD8]) {
        let jpeg = Jpeg::from_bytes(data).map_err(|_| ImageProblem::NotAnImage)?;
        ("image/jpeg", clean_jpeg(jpeg)?)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let png = Png::from_bytes(data).map_err(|_| ImageProblem::NotAnImage)?;
        ("image/png", clean_png(png)?)
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        let webp = WebP::from_bytes(data).map_err(|_| ImageProblem::NotAnImage)?;
        ("image/webp", clean_webp(webp)?)
    } else {
        return Err(ImageProblem::NotAnImage);
    };
    Ok(CleanImage {
        content_type,
        bytes: cleaned,
    })
}

fn clean_jpeg(mut jpeg: Jpeg) -> Result<Vec<u8>, ImageProblem> {
    check_size(jpeg.dimensions().map(|(w, h)| (u32::from(w), u32::from(h))))?;
    let orientation = jpeg.exif().as_deref().and_then(exif_orientation);
    // APP0 (JFIF), APP2 (the colour profile) and APP14 (Adobe's colour
    // transform) say how to show the picture; every other application segment
    // (APP1's EXIF and XMP, APP13's IPTC, makers' notes) and every comment is
    // about it.
    jpeg.segments_mut().retain(|segment| {
        let marker = segment.marker();
        let about_it = (markers::APP0..=markers::APP15).contains(&marker)
            && !matches!(marker, markers::APP0 | markers::APP2 | markers::APP14);
        !about_it && marker != markers::COM
    });
    if let Some(orientation) = orientation.filter(|o| *o != 1) {
        let at = usize::from(
            jpeg.segments()
                .first()
                .is_some_and(|s| s.marker() == markers::APP0),
        );
        jpeg.segments_mut().insert(
            at,
            JpegSegment::new_with_contents(markers::APP1, only_orientation(orientation)),
        );
    }
    Ok(jpeg.encoder().bytes().to_vec())
}

fn clean_png(mut png: Png) -> Result<Vec<u8>, ImageProblem> {
    check_size(png.dimensions())?;
    for kind in [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"] {
        png.remove_chunks_by_type(kind);
    }
    Ok(png.encoder().bytes().to_vec())
}

fn clean_webp(mut webp: WebP) -> Result<Vec<u8>, ImageProblem> {
    check_size(webp.dimensions())?;
    webp.remove_chunks_by_id(CHUNK_EXIF);
    webp.remove_chunks_by_id(CHUNK_XMP);
    Ok(webp.encoder().bytes().to_vec())
}

/// The Orientation tag (0x0112) of IFD0 in an EXIF block (TIFF-structured,
/// after the "Exif\0\0" header img-parts leaves off).
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let tiff = tiff.strip_prefix(b"Exif\0\0").unwrap_or(tiff);
    let little = match tiff.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| {
        let b: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |at: usize| {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let entries = usize::from(u16_at(ifd)?);
    (0..entries)
        .map(|i| ifd + 2 + i * 12)
        .find(|&entry| u16_at(entry) == Some(0x0112))
        .and_then(|entry| u16_at(entry + 8))
        .filter(|o| (1..=8).contains(o))
}

/// An EXIF block that says only how the picture is turned.
fn only_orientation(orientation: u16) -> Bytes {
    let mut exif = Vec::with_capacity(32);
    exif.extend_from_slice(b"Exif\0\0");
    exif.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF, IFD0 at 8
    exif.extend_from_slice(&1u16.to_be_bytes()); // one entry
    exif.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    exif.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    exif.extend_from_slice(&1u32.to_be_bytes()); // one value
    exif.extend_from_slice(&orientation.to_be_bytes());
    exif.extend_from_slice(&[0, 0]); // padding of the value field
    exif.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    Bytes::from(exif)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 JPEG with an EXIF block holding a GPS position and an orientation.
    fn jpeg_with_location() -> Vec<u8> {
        let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
        exif.extend_from_slice(&2u16.to_be_bytes());
        exif.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // orientation 6
        exif.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x26]); // GPS IFD at 38
        exif.extend_from_slice(&0u32.to_be_bytes());
        exif.extend_from_slice(b"GPS 39.9042N 116.4074E");
        let mut file = vec![0xFF, 0xD8];
        let mut segment = |marker: u8, contents: &[u8]| {
            file.extend_from_slice(&[0xFF, marker]);
            file.extend_from_slice(&u16::try_from(contents.len() + 2).unwrap().to_be_bytes());
            file.extend_from_slice(contents);
        };
        segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        segment(0xE1, &exif);
        segment(
            0xE1,
            b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude</x:xmpmeta>",
        );
        segment(0xFE, b"at the Li family's home, 12 Xingfu Road");
        segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
        segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]);
        file.extend_from_slice(&[0x00, 0xFF, 0xD9]);
        file
    }

    #[test]
    fn a_photos_location_is_removed_and_its_orientation_kept() {
        let photo = jpeg_with_location();
        let clean = clean(&photo, MAX_PHOTO_BYTES).unwrap();
        assert_eq!(clean.content_type(), "image/jpeg");
        let text = String::from_utf8_lossy(clean.bytes());
        assert!(!text.contains("GPS"), "{text}");
        assert!(!text.contains("xmpmeta"), "{text}");
        assert!(!text.contains("Xingfu"), "the comment is gone: {text}");
        assert!(text.contains("JFIF"));
        let jpeg = Jpeg::from_bytes(Bytes::from(clean.into_bytes())).unwrap();
        assert_eq!(jpeg.exif().as_deref().and_then(exif_orientation), Some(6));
        assert_eq!(jpeg.dimensions(), Some((1, 1)));
    }

    #[test]
    fn text_named_like_a_photo_is_not_an_image() {
        assert_eq!(
            clean(b"this is a shopping list", MAX_PHOTO_BYTES).unwrap_err(),
            ImageProblem::NotAnImage
        );
        // The first bytes of a JPEG and nothing of one.
        assert_eq!(
            clean(&[0xFF, 0xD8, 0xFF, 0xD9], MAX_PHOTO_BYTES).unwrap_err(),
            ImageProblem::NotAnImage
        );
    }

    #[test]
    fn an_image_claiming_more_than_forty_million_pixels_is_refused() {
        let png = |width: u32, height: u32| {
            let mut header = Vec::new();
            header.extend_from_slice(&width.to_be_bytes());
            header.extend_from_slice(&height.to_be_bytes());
            header.extend_from_slice(&[8, 2, 0, 0, 0]);
            let mut image = Png::from_bytes(Bytes::from_static(
                b"\x89PNG\r\n\x1a\n\0\0\0\0IEND\xaeB`\x82",
            ))
            .unwrap();
            image.chunks_mut().insert(
                0,
                img_parts::png::PngChunk::new(*b"IHDR", Bytes::from(header)),
            );
            image.encoder().bytes().to_vec()
        };
        assert!(clean(&png(4000, 3000), MAX_PHOTO_BYTES).is_ok());
        assert_eq!(
            clean(&png(50_000, 50_000), MAX_PHOTO_BYTES).unwrap_err(),
            ImageProblem::TooManyPixels {
                width: 50_000,
                height: 50_000,
                limit: MAX_PIXELS
            }
        );
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_it_is_read() {
        let big = vec![0u8; MAX_PHOTO_BYTES + 1];
        assert!(matches!(
            clean(&big, MAX_PHOTO_BYTES),
            Err(ImageProblem::TooLarge { .. })
        ));
    }
}
