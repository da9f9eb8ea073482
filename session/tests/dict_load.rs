//! Loading: every shipped dictionary loads with the shape QuickFIX gives it, and every way a
//! dictionary can be broken is reported with the file and the culprit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use spinfix_session::dict::{DictError, Dictionary, FieldType};

fn spec_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} not found", dir.display());
        None
    }
}

fn load(name: &str) -> Option<Dictionary> {
    Some(Dictionary::from_file(spec_dir()?.join(format!("{name}.xml"))).unwrap())
}

#[test]
fn every_shipped_dictionary_loads() {
    let Some(dir) = spec_dir() else { return };
    let expected = [
        ("FIX40", "FIX.4.0", 138, 27),
        ("FIX41", "FIX.4.1", 206, 28),
        ("FIX42", "FIX.4.2", 405, 46),
        ("FIX43", "FIX.4.3", 635, 68),
        ("FIX44", "FIX.4.4", 912, 93),
        ("FIX50", "FIX.5.0", 1090, 93),
        ("FIX50SP1", "FIX.5.0", 1373, 105),
        ("FIX50SP2", "FIX.5.0", 6028, 117),
        ("FIXT11", "FIXT.1.1", 71, 7),
    ];
    for (name, begin, fields, _) in expected {
        let d = Dictionary::from_file(dir.join(format!("{name}.xml"))).unwrap();
        assert_eq!(d.begin_string(), begin, "{name}");
        assert_eq!(d.fields().len(), fields, "{name}");
        assert!(!d.messages().is_empty(), "{name}");
        for m in d.messages() {
            assert!(d.is_msg_type_defined(m.msg_type()), "{name}");
            for &t in m.required() {
                assert!(m.field_tags().binary_search(&t).is_ok(), "{name} {t}");
            }
        }
    }
}

#[test]
fn fix44_tables() {
    let Some(d) = load("FIX44") else { return };
    assert_eq!(d.version().major, 4);
    assert_eq!(d.field_type(38), Some(FieldType::Qty));
    assert_eq!(d.field_type(44), Some(FieldType::Price));
    assert_eq!(d.field_type(52), Some(FieldType::UtcTimestamp));
    assert_eq!(d.field_type(453), Some(FieldType::NumInGroup));
    assert_eq!(d.field(11).unwrap().name(), "ClOrdID");
    assert_eq!(d.field_by_name("Side").unwrap().tag(), 54);
    assert!(d.field(54).unwrap().is_value_allowed(b"1"));
    assert!(!d.field(54).unwrap().is_value_allowed(b"Z"));
    assert!(d.is_data_field(96) && !d.is_data_field(95));
    assert!(d.field(9999).is_none());

    let nos = d.message(b"D").unwrap();
    assert_eq!(nos.name(), "NewOrderSingle");
    assert!(!nos.is_admin());
    assert_eq!(nos.required(), &[11, 40, 54, 60][..]);
    assert!(d.is_msg_field(b"D", 55) && !d.is_msg_field(b"D", 448) && !d.is_msg_field(b"0", 55));
    assert!(d.message(b"A").unwrap().is_admin());

    // Parties: delimiter PartyID, nested PartySubIDs.
    let parties = d.message_group(b"D", 453).unwrap();
    assert_eq!(parties.delimiter(), 448);
    assert_eq!(&parties.member_order()[..4], &[448, 447, 452, 802]);
    let sub = d.group(parties.nested(802).unwrap());
    assert_eq!((sub.counter(), sub.delimiter()), (802, 523));
    // NoAllocs -> NestedParties -> NestedPartySubIDs: three levels.
    let allocs = d.message_group(b"D", 78).unwrap();
    let nested = d.group(allocs.nested(539).unwrap());
    let deepest = d.group(nested.nested(804).unwrap());
    assert_eq!(deepest.delimiter(), 545);
    // NewOrderList's NoOrders is required, so its required members are enforced.
    let orders = d.message_group(b"E", 73).unwrap();
    assert!(orders.required().contains(&11) && orders.required().contains(&54));
    // Header and trailer.
    assert!(d.is_header_tag(49) && d.is_header_tag(627) && d.is_header_tag(1128));
    assert!(!d.is_header_tag(55) && !d.is_header_tag(628));
    assert!(d.is_trailer_tag(10) && d.is_trailer_tag(89) && !d.is_trailer_tag(58));
    assert_eq!(d.header_group(627).unwrap().delimiter(), 628);
    assert!(d.header().required().contains(&49));
}

#[test]
fn fixt_and_fix50_split() {
    let (Some(t), Some(sp2)) = (load("FIXT11"), load("FIX50SP2")) else {
        return;
    };
    assert_eq!(t.begin_string(), "FIXT.1.1");
    assert!(t.is_msg_type_defined(b"A") && !t.is_msg_type_defined(b"D"));
    assert!(sp2.is_msg_type_defined(b"D") && !sp2.is_msg_type_defined(b"A"));
    assert!(sp2.header().tags().is_empty() && sp2.trailer().tags().is_empty());
    assert_eq!(sp2.version().service_pack, 2);
    // FIX.5.0SP2 defines tags far beyond the dense table.
    assert!(sp2.fields().iter().any(|f| f.tag() > 20_000));
    for f in sp2.fields() {
        assert_eq!(sp2.field(f.tag()).unwrap().name(), f.name());
    }
    assert!(t.field(1128).unwrap().is_value_allowed(b"9"));
}

fn err(xml: &str) -> String {
    Dictionary::from_xml("test.xml", xml)
        .unwrap_err()
        .to_string()
}

const FIELDS: &str = "<fields><field number='35' name='MsgType' type='STRING'/><field number='11' name='ClOrdID' type='STRING'/></fields>";

fn doc(body: &str) -> String {
    format!("<fix major='4' minor='4'><header><field name='MsgType' required='Y'/></header><trailer/>{body}</fix>")
}

#[test]
fn loading_errors_name_the_file_and_the_culprit() {
    let missing = Dictionary::from_file("/nonexistent/FIX99.xml").unwrap_err();
    assert!(matches!(missing, DictError::Io { .. }));
    assert!(missing.to_string().contains("/nonexistent/FIX99.xml"));

    let e = err("<fix major='4' minor='4'><fields>");
    assert!(e.contains("test.xml") && e.contains("malformed XML"), "{e}");

    let e = err("<fox/>");
    assert!(e.contains("<fox>"), "{e}");

    let e = err("<fix minor='4'/>");
    assert!(e.contains("major"), "{e}");

    let e = err(&doc(&format!("{FIELDS}<messages><message msgtype='D' name='X'><component name='Nope' required='Y'/></message></messages>")));
    assert!(
        e.contains("component \"Nope\"") && e.contains("line 1"),
        "{e}"
    );

    let e = err(&doc(&format!("{FIELDS}<messages><message msgtype='D' name='X'><field name='Nope' required='Y'/></message></messages>")));
    assert!(
        e.contains("field \"Nope\"") && e.contains("message D"),
        "{e}"
    );

    let e = err(&doc("<fields><field number='11' name='A' type='STRING'/><field number='12' name='A' type='STRING'/></fields><messages/>"));
    assert!(e.contains("field name \"A\" is defined twice"), "{e}");

    let e = err(&doc("<fields><field number='11' name='A' type='STRING'/><field number='11' name='B' type='STRING'/></fields><messages/>"));
    assert!(
        e.contains("field number 11 is defined twice (A and B)"),
        "{e}"
    );

    let e = err(&doc(
        "<fields><field number='x' name='A' type='STRING'/></fields><messages/>",
    ));
    assert!(e.contains("number=\"x\""), "{e}");

    let e = err(&doc(&format!("{FIELDS}<messages><message msgtype='D' name='X'/><message msgtype='D' name='Y'/></messages>")));
    assert!(e.contains("msgtype \"D\" is defined twice"), "{e}");

    let e = err(&doc(FIELDS));
    assert!(e.contains("<messages> section not found"), "{e}");

    let e = err(&format!(
        "<fix major='4' minor='4'>{FIELDS}<messages/></fix>"
    ));
    assert!(e.contains("<header> section not found"), "{e}");

    let cyc = doc(&format!(
        "{FIELDS}<messages><message msgtype='D' name='X'><component name='C' required='N'/></message></messages>\
         <components><component name='C'><field name='ClOrdID' required='N'/><component name='C' required='N'/></component></components>"
    ));
    let e = err(&cyc);
    assert!(e.contains("component \"C\" includes itself"), "{e}");

    let e = err(&doc("<fields><field number='11' name='A' type='STRING'><value description='x'/></field></fields><messages/>"));
    assert!(e.contains("<value> has no enum attribute"), "{e}");
}

#[test]
fn a_minimal_dictionary_from_text() {
    let xml = doc(&format!(
        "{FIELDS}<messages><message msgtype='D' name='NewOrderSingle'><field name='ClOrdID' required='Y'/></message></messages>"
    ));
    let d = Dictionary::from_xml("inline", &xml).unwrap();
    assert_eq!(d.source(), "inline");
    assert_eq!(d.message(b"D").unwrap().required(), &[11][..]);
    assert!(d.is_header_tag(35));
}
