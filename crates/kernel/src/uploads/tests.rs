use super::*;

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 10, 10]));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[test]
fn images_are_reencoded_and_fitted() {
    let out = reencode(&png(800, 400), 256).unwrap();
    let back = image::load_from_memory(&out).unwrap();
    assert_eq!((back.width(), back.height()), (256, 128));
}

#[test]
fn a_sent_name_is_kept_readable_and_honest_about_its_type() {
    assert_eq!(shown_name("Bilan 2025.pdf", ".pdf"), "Bilan 2025.pdf");
    assert_eq!(shown_name("C:\\Users\\a\\plan.PDF", ".pdf"), "plan.PDF");
    assert_eq!(shown_name("../../etc/passwd", ".pdf"), "passwd.pdf");
    assert_eq!(shown_name("cour.jpg", ".png"), "cour.png");
    assert_eq!(shown_name("", ".png"), "document.png");
    assert_eq!(shown_name("\"<x>\".pdf", ".pdf"), "x.pdf");
    assert_eq!(shown_name(".pdf", ".pdf"), "document.pdf");
    assert_eq!(
        shown_name("facture\u{202E}fdp.exe", ".pdf"),
        "facturefdp.exe.pdf",
        "no right-to-left override"
    );
    assert!(shown_name(&"a".repeat(500), ".pdf").chars().count() <= 124);
}

#[test]
fn only_a_whole_pdf_is_taken_as_one() {
    assert!(is_pdf(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"));
    assert!(!is_pdf(b"%PDF-1.7\n1 0 obj <<>>"), "cut short");
    assert!(!is_pdf(b"PK\x03\x04%%EOF"), "not a PDF");
    let mut long = b"%PDF-1.4\n%%EOF".to_vec();
    long.extend(vec![b' '; 4096]);
    assert!(!is_pdf(&long), "the end mark is near the end");
}

#[test]
fn stored_names_are_found_in_any_text() {
    let a = "0123456789abcdef0123456789abcdef";
    let text = format!(r#"[{{"file":"{a}.pdf","name":"x.pdf"}}, "{a}.png"] {a}.exe"#);
    assert_eq!(
        stored_names_in(&text),
        [format!("{a}.pdf"), format!("{a}.png")]
    );
}

#[test]
fn a_kept_reference_names_its_file_only_for_its_reader_and_form() {
    let key = Arc::new(vec![7u8; 32]);
    let anne = Keeper::new(key.clone(), "anne", "/library/propose?_csrf=x");
    let file = format!("{}.pdf", "a".repeat(32));
    let value = anne.sign(&file, "Bilan.pdf");
    assert_eq!(
        anne.verify(&value),
        Some((file.clone(), "Bilan.pdf".to_string()))
    );
    let same_form = Keeper::new(key.clone(), "anne", "/library/propose");
    assert!(
        same_form.verify(&value).is_some(),
        "the query is not part of the form"
    );
    for other in [
        Keeper::new(key.clone(), "bob", "/library/propose"),
        Keeper::new(key.clone(), "anne", "/library/x/edit"),
        Keeper::new(Arc::new(vec![8u8; 32]), "anne", "/library/propose"),
        Keeper::default(),
    ] {
        assert_eq!(other.verify(&value), None);
    }
    assert_eq!(
        anne.verify(&format!("{file}/Bilan.pdf")),
        None,
        "a bare name"
    );
    let renamed = value.replace("Bilan.pdf", "Autre.pdf");
    assert_eq!(anne.verify(&renamed), None);
    let (f, until, mac, name) = {
        let mut p = value.splitn(4, '/');
        (
            p.next().unwrap(),
            p.next().unwrap(),
            p.next().unwrap(),
            p.next().unwrap(),
        )
    };
    let later = format!("{f}/{}/{mac}/{name}", until.parse::<i64>().unwrap() + 1);
    assert_eq!(anne.verify(&later), None, "its end cannot be moved");
}

#[test]
fn an_image_that_would_decode_too_large_is_refused_from_its_header() {
    // A 16-bit RGBA image of 6300 × 6300 pixels: 317 MB once decoded, whatever the file's
    // size. Its header is enough to refuse it.
    let mut img = image::ImageBuffer::<image::Rgba<u16>, Vec<u16>>::new(1, 1);
    img.put_pixel(0, 0, image::Rgba([1, 2, 3, 4]));
    let mut small = Vec::new();
    img.write_to(&mut Cursor::new(&mut small), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(decoded_size(&small), Ok(8));
    let bomb = crate::testing::png_bomb(6300, 6300);
    assert_eq!(decoded_size(&bomb), Err("image.too_large"));
    assert_eq!(reencode(&bomb, 256), Err("image.too_large"));
    assert!(decoded_size(&png(3000, 3000)).is_ok(), "27 MB: accepted");
}

#[test]
fn what_is_not_an_image_is_refused() {
    assert_eq!(
        reencode(b"%PDF-1.4 not an image", 256).unwrap_err(),
        "image.format"
    );
    let mut truncated = png(10, 10);
    truncated.truncate(30);
    assert_eq!(reencode(&truncated, 256).unwrap_err(), "image.format");
}

mod properties {
    use super::*;
    use crate::web::MultipartForm;
    use proptest::prelude::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([20, 120, 200]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
            .unwrap();
        out
    }

    /// A small PNG or JPEG with some bytes changed and maybe cut short: what a broken or
    /// crafted upload looks like to the decoder.
    fn damaged_image() -> impl Strategy<Value = Vec<u8>> {
        (
            prop_oneof![Just(png(12, 7)), Just(jpeg(9, 14))],
            prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            any::<prop::sample::Index>(),
        )
            .prop_map(|(mut bytes, changes, cut)| {
                for (at, b) in changes {
                    let i = at.index(bytes.len());
                    bytes[i] = b;
                }
                let keep = bytes.len() - cut.index(bytes.len() / 4);
                bytes.truncate(keep);
                bytes
            })
    }

    fn any_upload() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            damaged_image(),
            prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| [
                b"%PDF-1.7\n".as_slice(),
                &b,
                b"\n%%EOF"
            ]
            .concat()),
        ]
    }

    fn shown_name_is_safe(name: &str, ext: &str) -> Result<(), TestCaseError> {
        prop_assert!(name.to_ascii_lowercase().ends_with(ext), "{name}");
        prop_assert!(!name.starts_with('.'), "{name}");
        prop_assert!(name.chars().count() <= 124, "{name}");
        prop_assert!(
            !name
                .chars()
                .any(|c| c.is_control() || is_format(c) || "/\\\"<>|*?:".contains(c)),
            "{name}"
        );
        Ok(())
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    fn uploads() -> Uploads {
        // Nothing is stored: checking reads no file and writes none.
        Uploads::new(&std::env::temp_dir().join("territoires-never-written"))
    }

    proptest! {

        #[test]
        fn any_bytes_get_a_size_or_a_refusal(bytes in any_upload()) {
            match decoded_size(&bytes) {
                Ok(size) => prop_assert!(size > 0 && size <= MAX_DECODED_BYTES),
                Err(code) => prop_assert!(["image.format", "image.too_large"].contains(&code)),
            }
        }

        #[test]
        fn a_damaged_image_is_refused_or_reencoded_within_bounds(bytes in damaged_image()) {
            if decoded_size(&bytes).is_ok()
                && let Ok(out) = reencode(&bytes, 8)
            {
                let back = image::load_from_memory(&out).unwrap();
                prop_assert!(back.width() <= 8 && back.height() <= 8);
            }
        }

        #[test]
        fn any_sent_name_is_shown_safely(sent in any::<String>(), pdf in any::<bool>()) {
            let ext = if pdf { ".pdf" } else { ".png" };
            shown_name_is_safe(&shown_name(&sent, ext), ext)?;
        }

        #[test]
        fn any_upload_is_checked_as_an_attachment_without_panic(
            bytes in any_upload(),
            sent in any::<String>(),
        ) {
            if let Ok((checked, a)) = runtime().block_on(uploads().check_attachment(&bytes, &sent)) {
                prop_assert!(is_attachment_name(&a.file));
                prop_assert_eq!(&checked.name, &a.file);
                shown_name_is_safe(&a.name, &a.file[32..])?;
            }
        }

        #[test]
        fn any_kept_value_names_a_stored_file_or_nothing(value in any::<String>()) {
            if let Some(a) = Attachment::from_kept(&value) {
                prop_assert!(is_attachment_name(&a.file));
            }
            let keeper = Keeper::new(Arc::new(vec![7u8; 32]), "anne", "/reports/new");
            prop_assert_eq!(keeper.verify(&value), None);
            for name in stored_names_in(&value) {
                prop_assert!(is_attachment_name(&name));
            }
        }

        #[test]
        fn a_signed_reference_names_its_file_back(hash in "[0-9a-f]{32}", sent in any::<String>()) {
            let keeper = Keeper::new(Arc::new(vec![7u8; 32]), "anne", "/reports/new");
            let (file, name) = (format!("{hash}.pdf"), shown_name(&sent, ".pdf"));
            prop_assert_eq!(keeper.verify(&keeper.sign(&file, &name)), Some((file, name)));
        }

        #[test]
        fn any_multipart_form_yields_few_checked_files(
            texts in prop::collection::vec(
                (prop_oneof![Just("kept_attachment"), Just("kept_photo"), Just("x")], any::<String>()),
                0..4,
            ),
            files in prop::collection::vec(
                (prop_oneof![Just("attachment"), Just("photo")], any_upload(), any::<String>()),
                0..9,
            ),
        ) {
            let form = MultipartForm {
                texts: texts.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                file_names: files.iter().map(|(_, _, n)| n.clone()).collect(),
                files: files.into_iter().map(|(k, b, _)| (k.to_string(), b)).collect(),
            };
            let (uploads, keeper) = (uploads(), Keeper::new(Arc::new(vec![7u8; 32]), "anne", "/f"));
            let rt = runtime();
            let of = rt.block_on(uploads.attachments_of(&form, &keeper)).unwrap();
            prop_assert!(of.kept.len() + of.fresh.len() <= MAX_ATTACHMENTS);
            if let Ok(photos) = rt.block_on(uploads.photos_of(&form, &keeper, 3, "photo.too_many")) {
                prop_assert!(photos.kept.len() + photos.fresh.len() <= 3);
            }
        }
    }
}
