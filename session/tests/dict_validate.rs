//! Validation verdicts, pinned to what QuickFIX C++ 1.15.1 answers (reason and RefTagID) for the
//! messages of the acceptance scripts (fix42/, fix44/, validate/) and for the cases around them.
//!
//! Dictionaries are read from `../../shared/spec`; when it is absent the tests say so and pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use spinfix_session::codec::{checksum, Decoder};
use spinfix_session::dict::{Dictionary, ValidationOptions, Validator};
use spinfix_session::reject::{RejectReason as R, Rejection};

const T: &str = "20231114-22:13:20";

fn spec(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec"))
        .join(format!("{name}.xml"))
}

/// The dictionary, loaded once per test binary; `None` (with a notice) when the spec folder is absent.
fn dict(name: &str) -> Option<Arc<Dictionary>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Dictionary>>>> = OnceLock::new();
    let path = spec(name);
    if !path.exists() {
        eprintln!("skipping: {} not found", path.display());
        return None;
    }
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    Some(
        cache
            .entry(name.to_owned())
            .or_insert_with(|| Arc::new(Dictionary::from_file(&path).unwrap()))
            .clone(),
    )
}

fn v4(name: &str, options: ValidationOptions) -> Option<Validator> {
    Some(Validator::new(dict(name)?, options))
}

fn fixt(app: &str, options: ValidationOptions) -> Option<Validator> {
    Some(Validator::fixt(dict("FIXT11")?, dict(app)?, options))
}

/// Frames `msg` (`|` for SOH, `<T>` for a timestamp, no BodyLength or CheckSum) and validates it.
fn check(v: &Validator, msg: &str) -> Result<(), Rejection> {
    let body = msg.replace("<T>", T).replace('|', "\x01");
    let split = body.find('\x01').unwrap() + 1;
    let (begin, rest) = body.split_at(split);
    let mut frame = format!("{begin}9={}\x01{rest}", rest.len()).into_bytes();
    let sum = checksum(&frame);
    frame.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
    let mut decoder = Decoder::new();
    let decoded = decoder.decode(&frame).unwrap();
    v.validate(&decoded)
}

fn tag(reason: R, tag: u32) -> Result<(), Rejection> {
    Err(Rejection::tag(reason, tag))
}

fn qf() -> ValidationOptions {
    ValidationOptions::default()
}

/// (message, expected) pairs of one version's 14*, 2q, 21, 15 and ReverseRoute scripts.
fn acceptance_cases(b: &str, tw: &str) -> Vec<(String, Result<(), Rejection>)> {
    let h = |mt: &str, seq: u32| format!("8={b}|35={mt}|34={seq}|49={tw}|52=<T>|56=ISLD|");
    vec![
        // 14a: undefined tags, user-defined included (ValidateUserDefinedFields=Y).
        (format!("{}999=HI|", h("0", 2)), tag(R::InvalidTagNumber, 999)),
        (format!("{}5000=HI|", h("0", 5)), tag(R::InvalidTagNumber, 5000)),
        // 14c: a defined tag the message type does not have.
        (format!("{}55=MSFT|", h("0", 2)), tag(R::TagNotDefinedForMessageType, 55)),
        // 14d: empty header field.
        (format!("8={b}|35=0|34=2|49={tw}|52=<T>|56=|"), tag(R::TagSpecifiedWithoutValue, 56)),
        // 14e: enum values.
        (
            format!("{}11=ID|21=4|40=1|54=1|38=002000.00|55=INTC|60=<T>|", h("D", 2)),
            tag(R::ValueIsIncorrect, 21),
        ),
        (
            format!("{}11=ID|21=1|40=1|54=1|38=002000.00|55=INTC|60=<T>|167=BOO|", h("D", 3)),
            tag(R::ValueIsIncorrect, 167),
        ),
        // 14f: a leading '+' is not a FIX float.
        (
            format!("{}11=ID|21=1|40=1|54=1|38=+200.00|55=INTC|60=<T>|", h("D", 2)),
            tag(R::IncorrectDataFormat, 38),
        ),
        // 14g: header fields after the body.
        (
            format!("8={b}|35=D|11=id|21=3|40=1|54=1|55=MSFT|60=<T>|34=2|49={tw}|52=<T>|56=ISLD|"),
            tag(R::TagSpecifiedOutOfRequiredOrder, 34),
        ),
        (
            format!("8={b}|35=D|55=MSFT|34=3|49={tw}|52=<T>|56=ISLD|11=id|21=3|40=1|54=1|60=<T>|"),
            tag(R::TagSpecifiedOutOfRequiredOrder, 34),
        ),
        // 14h: repeated tag.
        (
            format!("{}11=ID|21=1|40=1|40=2|54=1|38=200.00|55=INTC|60=<T>|", h("D", 2)),
            tag(R::TagAppearsMoreThanOnce, 40),
        ),
        // 14i: NumInGroup says 3, two instances follow.
        (
            format!(
                "{}11=ID|21=1|40=1|54=1|38=200.00|55=INTC|386=3|336=PRE-OPEN|336=AFTER-HOURS|60=<T>|",
                h("D", 2)
            ),
            tag(R::IncorrectNumInGroupCount, 386),
        ),
        // 2q: MsgType not in the dictionary.
        (h("*", 2), Err(Rejection::message(R::InvalidMsgType))),
        // 15: body fields in any order are fine.
        (format!("{}11=id|21=3|40=1|54=1|55=MSFT|60=<T>|", h("D", 2)), Ok(())),
        (
            format!("8={b}|35=D|49={tw}|34=3|56=ISLD|52=<T>|40=1|55=MSFT|60=<T>|54=1|21=3|11=id|"),
            Ok(()),
        ),
        // 2e/2g etc.: a plain order.
        (format!("{}11=ID|21=3|40=1|54=1|55=INTC|60=<T>|", h("D", 3)), Ok(())),
        // ReverseRouteWithEmptyRoutingTags: empty routing header fields.
        (
            format!("{}115=|11=ID|21=3|38=100|40=1|54=1|55=INTC|60=<T>|", h("D", 2)),
            tag(R::TagSpecifiedWithoutValue, 115),
        ),
        (
            format!("{}128=|11=ID|21=3|38=100|40=1|54=1|55=INTC|60=<T>|", h("D", 3)),
            tag(R::TagSpecifiedWithoutValue, 128),
        ),
        (
            format!("{}115=JCD|116=|11=ID|21=3|38=100|40=1|54=1|55=INTC|60=<T>|", h("D", 4)),
            tag(R::TagSpecifiedWithoutValue, 116),
        ),
        (
            format!("{}128=JCD|129=|11=ID|21=3|38=100|40=1|54=1|55=INTC|60=<T>|", h("D", 5)),
            tag(R::TagSpecifiedWithoutValue, 129),
        ),
        (
            format!("{}115=JCD|116=CS|144=|11=ID|21=3|38=100|40=1|54=1|55=INTC|60=<T>|", h("D", 6)),
            tag(R::TagSpecifiedWithoutValue, 144),
        ),
        // Admin messages the scripts send.
        (format!("{}112=HELLO|", h("1", 4)), Ok(())),
        (format!("{}98=0|108=30|", h("A", 1)), Ok(())),
        (h("5", 3), Ok(())),
        (format!("{}45=2|58=x|371=999|372=0|373=0|", h("3", 2)), Ok(())),
        (format!("{}7=1|16=0|", h("2", 2)), Ok(())),
        (format!("{}123=Y|36=5|", h("4", 2)), Ok(())),
    ]
}

#[test]
fn validators_are_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Validator>();
    send_sync::<Dictionary>();
}

#[test]
fn fix44_acceptance_cases() {
    let Some(v) = v4("FIX44", qf()) else { return };
    for (msg, want) in acceptance_cases("FIX.4.4", "TW44") {
        assert_eq!(check(&v, &msg), want, "{msg}");
    }
    // 14b: required body field missing (ClOrdID), with other fields out of order.
    let missing = "8=FIX.4.4|35=D|49=TW44|34=3|56=ISLD|52=<T>|40=1|60=<T>|54=1|21=3|";
    assert_eq!(check(&v, missing), tag(R::RequiredTagMissing, 11));
    // 14e: a valid SecurityType passes.
    let cs = "8=FIX.4.4|35=D|34=4|49=TW44|52=<T>|56=ISLD|11=ID|21=1|40=1|54=1|38=002000.00|55=INTC|60=<T>|167=CS|";
    assert_eq!(check(&v, cs), Ok(()));
    // 2r: ExecutionReport is valid; refusing it is the application's business.
    let er = "8=FIX.4.4|35=8|34=2|49=TW44|52=<T>|56=ISLD|37=id|17=id|150=0|39=0|55=WLRI|54=1|151=100|14=0|6=0.0|";
    assert_eq!(check(&v, er), Ok(()));
    // 21: a NumInGroup of zero with no instance.
    let zero = "8=FIX.4.4|35=d|34=2|49=TW44|56=ISLD|52=<T>|320=JCD1091-20021011|322=1034356488676|323=6|55=TBS|22=8|167=CS|336=ONE_MAIN|58=No Products found for this Class Symbol|454=0|";
    assert_eq!(check(&v, zero), Ok(()));
}

#[test]
fn fix42_acceptance_cases() {
    let Some(v) = v4("FIX42", qf()) else { return };
    for (msg, want) in acceptance_cases("FIX.4.2", "TW42") {
        assert_eq!(check(&v, &msg), want, "{msg}");
    }
    // 14b: in FIX.4.2 ClOrdID is present and Symbol is the missing one.
    let missing = "8=FIX.4.2|35=D|49=TW42|34=3|56=ISLD|52=<T>|40=1|60=<T>|54=1|21=3|11=id|";
    assert_eq!(check(&v, missing), tag(R::RequiredTagMissing, 55));
    let fut = "8=FIX.4.2|35=D|34=4|49=TW42|52=<T>|56=ISLD|11=ID|21=1|40=1|54=1|38=002000.00|55=INTC|60=<T>|167=FUT|";
    assert_eq!(check(&v, fut), Ok(()));
    let er = "8=FIX.4.2|35=8|34=2|49=TW42|52=<T>|56=ISLD|37=id|17=id|20=0|150=0|39=0|55=WLRI|54=1|151=100|14=0|6=0.0|";
    assert_eq!(check(&v, er), Ok(()));
    let zero = "8=FIX.4.2|35=d|34=2|49=TW42|56=ISLD|52=<T>|320=JCD1091-20021011|322=1034356488676|323=6|55=TBS|22=8|167=OPT|336=ONE_MAIN|58=No Products found for this Class Symbol|393=0|146=0|";
    assert_eq!(check(&v, zero), Ok(()));
}

#[test]
fn check_fields_have_values_script() {
    let Some(strict) = v4("FIX44", qf()) else {
        return;
    };
    let msg = "8=FIX.4.4|35=1|34=2|49=TW|52=<T>|56=ISLD|112=|";
    assert_eq!(check(&strict, msg), tag(R::TagSpecifiedWithoutValue, 112));
    let lenient = v4(
        "FIX44",
        ValidationOptions {
            fields_have_values: false,
            ..qf()
        },
    )
    .unwrap();
    assert_eq!(check(&lenient, msg), Ok(()));
    // Without the emptiness check an empty value still has to be of its type.
    let empty_int = "8=FIX.4.4|35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=|";
    assert_eq!(check(&lenient, empty_int), tag(R::IncorrectDataFormat, 108));
}

#[test]
fn first_problem_follows_quickfix_order() {
    let Some(v) = v4("FIX44", qf()) else { return };
    let h = "8=FIX.4.4|35=D|34=2|49=TW44|52=<T>|56=ISLD|";
    let cases = [
        // Required (1) comes before bad enums and unknown tags.
        (
            format!("{h}21=X|40=Z|54=1|55=INTC|60=<T>|999=1|"),
            tag(R::RequiredTagMissing, 11),
        ),
        // Body fields are judged in ascending tag order, not wire order.
        (
            format!("{h}11=ID|60=bad|21=X|40=Z|54=1|55=INTC|999=1|"),
            tag(R::ValueIsIncorrect, 21),
        ),
        (
            format!("{h}11=ID|60=bad|40=Z|54=1|55=INTC|999=1|"),
            tag(R::ValueIsIncorrect, 40),
        ),
        (
            format!("{h}11=ID|21=1|60=<T>|40=1|54=1|55=INTC|999=1|1=|"),
            tag(R::TagSpecifiedWithoutValue, 1),
        ),
        (
            format!("{h}11=ID|21=1|60=<T>|40=1|54=1|55=INTC|58=a|58=b|1=|"),
            tag(R::TagSpecifiedWithoutValue, 1),
        ),
        // The header is judged before the body.
        (
            "8=FIX.4.4|35=D|34=2|49=TW44|52=bad|56=ISLD|11=ID|21=1|60=<T>|40=1|54=1|55=INTC|1=|"
                .to_owned(),
            tag(R::IncorrectDataFormat, 52),
        ),
        // A trailer field after the body is in place; its format is checked.
        (
            format!("{h}11=ID|21=1|60=<T>|40=1|54=1|55=INTC|93=x|"),
            tag(R::IncorrectDataFormat, 93),
        ),
        // A header field in the body is out of order; repeated in the header it is repeated.
        (
            format!("{h}11=ID|21=1|60=<T>|40=1|54=1|55=INTC|34=2|"),
            tag(R::TagSpecifiedOutOfRequiredOrder, 34),
        ),
        (
            "8=FIX.4.4|35=D|34=2|34=3|49=TW44|52=<T>|56=ISLD|11=ID|21=1|60=<T>|40=1|54=1|55=INTC|"
                .to_owned(),
            tag(R::TagAppearsMoreThanOnce, 34),
        ),
        // Invalid MsgType comes before empty values and unknown tags.
        (
            "8=FIX.4.4|35=ZZ|34=2|49=TW44|52=<T>|56=|999=1|".to_owned(),
            Err(Rejection::message(R::InvalidMsgType)),
        ),
        // Out-of-order comes before Invalid MsgType.
        (
            "8=FIX.4.4|35=ZZ|11=id|34=2|49=TW44|52=<T>|56=ISLD|999=1|".to_owned(),
            tag(R::TagSpecifiedOutOfRequiredOrder, 34),
        ),
        // Header fields QuickFIX always treats as header: ApplVerID is undefined in FIX.4.4.
        (
            format!("{h}1128=9|11=ID|21=1|60=<T>|40=1|54=1|55=INTC|"),
            tag(R::InvalidTagNumber, 1128),
        ),
    ];
    for (msg, want) in cases {
        assert_eq!(check(&v, &msg), want, "{msg}");
    }
}

#[test]
fn repeating_groups_as_quickfix_counts_them() {
    let Some(v) = v4("FIX44", qf()) else { return };
    let h = "8=FIX.4.4|35=D|34=2|49=TW44|52=<T>|56=ISLD|11=ID|21=1|40=1|54=1|55=INTC|60=<T>|";
    let cases = [
        ("453=2|448=A|447=D|452=1|448=B|447=D|452=3|", Ok(())),
        // Members are counted, not judged (QuickFIX 1.15.1).
        ("453=2|448=A|447=Q|452=1|448=B|447=D|452=3|", Ok(())),
        ("453=2|448=A|447=D|452=x|448=B|447=|452=3|", Ok(())),
        // A member out of place within an instance is still in the instance.
        ("453=2|448=A|452=1|447=D|448=B|447=D|452=3|", Ok(())),
        // An instance opened by a non-delimiter member: three instances.
        (
            "453=2|447=D|448=A|452=1|448=B|447=D|452=3|",
            tag(R::IncorrectNumInGroupCount, 453),
        ),
        // A member repeated opens a new instance.
        (
            "453=2|448=A|447=D|447=D|452=1|448=B|447=D|452=3|",
            tag(R::IncorrectNumInGroupCount, 453),
        ),
        ("386=2|625=a|625=b|", Ok(())),
        (
            "386=1|336=a|625=b|336=c|",
            tag(R::IncorrectNumInGroupCount, 386),
        ),
        (
            "453=1|448=A|447=D|452=1|448=B|447=D|452=3|",
            tag(R::IncorrectNumInGroupCount, 453),
        ),
        (
            "453=3|448=A|447=D|452=1|448=B|447=D|452=3|",
            tag(R::IncorrectNumInGroupCount, 453),
        ),
        // Nested groups: counts below the top level are not checked by QuickFIX.
        (
            "453=2|448=A|447=D|452=1|802=1|523=s|803=1|448=B|447=D|452=3|",
            Ok(()),
        ),
        (
            "453=2|448=A|447=D|452=1|802=2|523=s|803=1|448=B|447=D|452=3|",
            Ok(()),
        ),
        ("78=1|79=a|80=5|539=1|524=q|525=D|538=1|", Ok(())),
        // A field after the group that is not a member ends it and lands in the body.
        (
            "78=1|79=a|80=5|539=1|524=q|525=D|538=1|55=x|",
            tag(R::TagAppearsMoreThanOnce, 55),
        ),
        (
            "453=1|448=A|447=D|452=1|11=x|",
            tag(R::TagAppearsMoreThanOnce, 11),
        ),
        (
            "453=2|448=A|447=D|452=1|9999=x|448=B|447=D|452=3|",
            tag(R::TagNotDefinedForMessageType, 447),
        ),
        (
            "78=1|79=a|80=5|539=1|524=q|525=D|538=1|999=x|",
            tag(R::InvalidTagNumber, 999),
        ),
        // The NumInGroup field itself.
        ("453=x|448=A|447=D|452=1|", tag(R::IncorrectDataFormat, 453)),
        ("453=|", tag(R::TagSpecifiedWithoutValue, 453)),
        ("453=1|", tag(R::IncorrectNumInGroupCount, 453)),
        ("453=0|", Ok(())),
        ("453=1|58=x|", tag(R::IncorrectNumInGroupCount, 453)),
    ];
    for (tail, want) in cases {
        let msg = format!("{h}{tail}");
        assert_eq!(check(&v, &msg), want, "{msg}");
    }
    // Header groups (NoHops) are neither counted nor judged.
    let hops = "8=FIX.4.4|35=0|34=2|49=A|52=<T>|56=B|627=2|628=x|630=y|628=y|629=bad|112=x|";
    assert_eq!(check(&v, hops), Ok(()));
    let stray_hop = "8=FIX.4.4|35=0|34=2|49=A|52=<T>|56=B|628=x|112=x|";
    assert_eq!(
        check(&v, stray_hop),
        tag(R::TagNotDefinedForMessageType, 628)
    );
}

#[test]
fn required_groups_require_their_members() {
    let Some(v) = v4("FIX44", qf()) else { return };
    // NewOrderList: NoOrders is required, so each order needs ClOrdID, ListSeqNo, Side, ...
    let h = "8=FIX.4.4|35=E|34=2|49=TW44|52=<T>|56=ISLD|66=L1|394=3|68=2|";
    let ok = format!(
        "{h}73=2|11=A|67=1|54=1|55=IBM|40=1|38=10|11=B|67=2|54=2|55=MSFT|40=2|44=3.5|38=20|"
    );
    assert_eq!(check(&v, &ok), Ok(()));
    let no_side =
        format!("{h}73=2|11=A|67=1|54=1|55=IBM|40=1|38=10|11=B|67=2|55=MSFT|40=2|44=3.5|38=20|");
    assert_eq!(check(&v, &no_side), tag(R::RequiredTagMissing, 54));
    let no_group = h.to_owned();
    assert_eq!(check(&v, &no_group), tag(R::RequiredTagMissing, 73));
}

#[test]
fn nested_groups_with_member_checks() {
    let options = ValidationOptions {
        group_members: true,
        ..qf()
    };
    let Some(v) = v4("FIX44", options) else {
        return;
    };
    let h = "8=FIX.4.4|35=D|34=2|49=TW44|52=<T>|56=ISLD|11=ID|21=1|40=1|54=1|55=INTC|60=<T>|";
    let cases = [
        (
            "453=2|448=A|447=D|452=1|802=1|523=s|803=1|448=B|447=D|452=3|",
            Ok(()),
        ),
        (
            "78=1|79=a|539=1|524=q|525=D|538=1|804=1|545=x|805=1|80=5|",
            Ok(()),
        ),
        // Nested count, two levels down.
        (
            "453=2|448=A|447=D|452=1|802=2|523=s|803=1|448=B|447=D|452=3|",
            tag(R::IncorrectNumInGroupCount, 802),
        ),
        (
            "78=1|79=a|539=1|524=q|525=D|538=1|804=3|545=x|805=1|80=5|",
            tag(R::IncorrectNumInGroupCount, 804),
        ),
        // Member values.
        (
            "453=2|448=A|447=Q|452=1|448=B|447=D|452=3|",
            tag(R::ValueIsIncorrect, 447),
        ),
        (
            "453=2|448=A|447=D|452=x|448=B|447=D|452=3|",
            tag(R::IncorrectDataFormat, 452),
        ),
        (
            "453=2|448=A|447=|452=1|448=B|447=D|452=3|",
            tag(R::TagSpecifiedWithoutValue, 447),
        ),
        (
            "78=1|79=a|539=1|524=q|525=DD|538=1|80=5|",
            tag(R::IncorrectDataFormat, 525),
        ),
        (
            "78=1|79=a|539=1|524=q|525=D|538=x|80=5|",
            tag(R::IncorrectDataFormat, 538),
        ),
        // Member order within an instance: AllocQty comes after NestedParties in FIX.4.4.
        (
            "78=1|79=a|80=5|539=1|524=q|525=D|538=1|",
            tag(R::RepeatingGroupFieldsOutOfOrder, 539),
        ),
        (
            "453=2|448=A|452=1|447=D|448=B|447=D|452=3|",
            tag(R::RepeatingGroupFieldsOutOfOrder, 447),
        ),
    ];
    for (tail, want) in cases {
        let msg = format!("{h}{tail}");
        assert_eq!(check(&v, &msg), want, "{msg}");
    }
    // An instance that does not open with the delimiter (Symbol): QuickFIX counts two instances
    // here, so the count agrees and only the member check objects.
    let v2 = "8=FIX.4.4|35=V|34=2|49=TW44|52=<T>|56=ISLD|262=R1|263=1|264=0|267=1|269=0|146=2|48=1|55=IBM|";
    assert_eq!(check(&v, v2), tag(R::RepeatingGroupFieldsOutOfOrder, 48));
}

#[test]
fn options_mirror_quickfix_settings() {
    let h = "8=FIX.4.4|35=0|34=2|49=A|52=<T>|56=B|";
    let Some(default) = v4("FIX44", qf()) else {
        return;
    };
    assert_eq!(
        check(&default, &format!("{h}5001=x|")),
        tag(R::InvalidTagNumber, 5001)
    );
    assert_eq!(
        check(&default, &format!("{h}999=x|")),
        tag(R::InvalidTagNumber, 999)
    );

    let no_udf = v4(
        "FIX44",
        ValidationOptions {
            user_defined_fields: false,
            ..qf()
        },
    )
    .unwrap();
    assert_eq!(check(&no_udf, &format!("{h}5001=x|")), Ok(()));
    assert_eq!(
        check(&no_udf, &format!("{h}999=x|")),
        tag(R::InvalidTagNumber, 999)
    );

    let unknown_ok = v4(
        "FIX44",
        ValidationOptions {
            allow_unknown_msg_fields: true,
            ..qf()
        },
    )
    .unwrap();
    assert_eq!(check(&unknown_ok, &format!("{h}999=x|")), Ok(()));
    assert_eq!(check(&unknown_ok, &format!("{h}55=x|")), Ok(()));
    assert_eq!(
        check(&unknown_ok, &format!("{h}5001=x|")),
        tag(R::InvalidTagNumber, 5001)
    );
    // Known fields keep their format checks.
    assert_eq!(
        check(&unknown_ok, &format!("{h}38=x|")),
        tag(R::IncorrectDataFormat, 38)
    );

    let any_order = v4(
        "FIX44",
        ValidationOptions {
            fields_out_of_order: false,
            ..qf()
        },
    )
    .unwrap();
    let late = "8=FIX.4.4|35=D|11=id|21=3|40=1|54=1|55=MSFT|60=<T>|34=2|49=TW44|52=<T>|56=ISLD|";
    assert_eq!(check(&any_order, late), Ok(()));

    let off = v4(
        "FIX44",
        ValidationOptions {
            validate_incoming: false,
            ..qf()
        },
    )
    .unwrap();
    assert_eq!(check(&off, "8=FIX.4.4|35=*|34=2|49=A|52=<T>|56=B|"), Ok(()));
}

#[test]
fn fixt_splits_transport_and_application() {
    let Some(v) = fixt("FIX50SP2", qf()) else {
        return;
    };
    let h = |mt: &str| format!("8=FIXT.1.1|35={mt}|34=2|49=A|52=<T>|56=B|");
    let cases = [
        // Admin messages: FIXT11 alone.
        (format!("{}98=0|108=30|1137=9|", h("A")), Ok(())),
        // FIXT11.xml's MsgTypeGrp is empty: QuickFIX does not know NoMsgTypes there either.
        (
            format!("{}98=0|108=30|1137=9|384=1|372=D|385=R|", h("A")),
            tag(R::TagNotDefinedForMessageType, 372),
        ),
        (format!("{}112=a|", h("0")), Ok(())),
        (format!("{}11=ID|", h("0")), tag(R::InvalidTagNumber, 11)),
        // Application messages: body by FIX50SP2 (HandlInst is optional there).
        (format!("{}11=ID|40=1|54=1|55=INTC|60=<T>|", h("D")), Ok(())),
        (
            format!("{}11=ID|40=1|54=1|55=INTC|60=<T>|38=1|108=1|", h("D")),
            tag(R::TagNotDefinedForMessageType, 108),
        ),
        (
            format!("{}11=ID|40=1|54=1|55=INTC|60=<T>|5000=1|", h("D")),
            tag(R::InvalidTagNumber, 5000),
        ),
        (
            format!("{}40=1|54=1|55=INTC|60=<T>|", h("D")),
            tag(R::RequiredTagMissing, 11),
        ),
        // ... header by FIXT11: ApplVerID is a header enum there.
        (
            format!("{}1128=Q|11=ID|40=1|54=1|55=INTC|60=<T>|", h("D")),
            tag(R::ValueIsIncorrect, 1128),
        ),
        (
            format!("{}11=ID|40=1|54=1|55=INTC|60=<T>|1128=9|", h("D")),
            tag(R::TagSpecifiedOutOfRequiredOrder, 1128),
        ),
        (
            format!("{}112=a|627=1|628=a|", h("0")),
            tag(R::TagSpecifiedOutOfRequiredOrder, 627),
        ),
        (h("ZZ"), Err(Rejection::message(R::InvalidMsgType))),
    ];
    for (msg, want) in cases {
        assert_eq!(check(&v, &msg), want, "{msg}");
    }
    assert!(v.is_begin_string_supported(b"FIXT.1.1") && !v.is_begin_string_supported(b"FIX.4.4"));
    assert!(v.is_msg_type_defined(b"A"));
    assert!(v.is_msg_type_defined(b"D"));
    assert!(!v.is_msg_type_defined(b"ZZ"));
    assert!(v.is_header_tag(1128) && v.is_header_tag(627) && !v.is_header_tag(628));
    assert!(v.is_trailer_tag(10) && v.is_trailer_tag(93));
}

#[test]
fn appl_ver_id_selects_the_application_dictionary() {
    let (Some(fixt11), Some(fix50), Some(sp2)) = (dict("FIXT11"), dict("FIX50"), dict("FIX50SP2"))
    else {
        return;
    };
    // A message type that exists in SP2 but not in FIX.5.0.
    let sp2_only = sp2
        .messages()
        .iter()
        .find(|m| !fix50.is_msg_type_defined(m.msg_type()) && m.required().is_empty())
        .map(|m| String::from_utf8(m.msg_type().to_vec()).unwrap())
        .unwrap();
    let v = Validator::fixt(fixt11, fix50.clone(), qf())
        .with_application(b"7", fix50)
        .with_application(b"9", sp2);
    let plain = format!("8=FIXT.1.1|35={sp2_only}|34=2|49=A|52=<T>|56=B|");
    assert_eq!(
        check(&v, &plain),
        Err(Rejection::message(R::InvalidMsgType))
    );
    let tagged = format!("8=FIXT.1.1|35={sp2_only}|34=2|49=A|52=<T>|56=B|1128=9|");
    assert_eq!(check(&v, &tagged), Ok(()));
    assert_eq!(
        v.body_dictionary(sp2_only.as_bytes(), Some(b"9"))
            .version()
            .service_pack,
        2
    );
    assert_eq!(
        v.body_dictionary(b"0", Some(b"9")).begin_string(),
        "FIXT.1.1"
    );
}

#[test]
fn every_data_type_through_the_validator() {
    let Some(v) = v4("FIX44", qf()) else { return };
    // (message type and body prefix, field=value, expected)
    let d = "8=FIX.4.4|35=D|34=2|49=A|52=<T>|56=B|11=ID|21=1|40=1|54=1|55=INTC|60=<T>|";
    let cases: &[(&str, Result<(), Rejection>)] = &[
        // QTY
        ("38=100", Ok(())),
        ("38=100.", Ok(())),
        ("38=.5", Ok(())),
        ("38=-1", Ok(())),
        ("38=1e3", tag(R::IncorrectDataFormat, 38)),
        ("38=.", tag(R::IncorrectDataFormat, 38)),
        // PRICE
        ("44=10.25", Ok(())),
        ("44=10,25", tag(R::IncorrectDataFormat, 44)),
        // AMT, PERCENTAGE, PRICEOFFSET
        ("12=1.5", Ok(())),
        ("12=x", tag(R::IncorrectDataFormat, 12)),
        ("211=-0.5", Ok(())),
        ("211=--1", tag(R::IncorrectDataFormat, 211)),
        // INT
        ("226=5", Ok(())),
        ("226=-5", Ok(())),
        ("226=5.0", tag(R::IncorrectDataFormat, 226)),
        ("226=+5", tag(R::IncorrectDataFormat, 226)),
        // CHAR with enum
        ("59=0", Ok(())),
        ("59=00", tag(R::IncorrectDataFormat, 59)),
        ("59=Z", tag(R::ValueIsIncorrect, 59)),
        // BOOLEAN
        ("377=Y", Ok(())),
        ("377=y", tag(R::IncorrectDataFormat, 377)),
        ("377=YES", tag(R::IncorrectDataFormat, 377)),
        // UTCTIMESTAMP (QuickFIX accepts day 31 in any month and an empty fraction)
        ("126=20230101-00:00:00.123", Ok(())),
        ("126=20230231-23:59:60.", Ok(())),
        ("126=20230101-24:00:00", tag(R::IncorrectDataFormat, 126)),
        ("126=20230101T00:00:00", tag(R::IncorrectDataFormat, 126)),
        (
            "126=20230101-00:00:00.1234567890",
            tag(R::IncorrectDataFormat, 126),
        ),
        // LOCALMKTDATE and MONTHYEAR are not checked by QuickFIX
        ("432=20230101", Ok(())),
        ("432=tomorrow", Ok(())),
        ("200=202303", Ok(())),
        ("200=March", Ok(())),
        // MULTIPLEVALUESTRING: every piece must be a listed value
        ("18=1 2", Ok(())),
        ("18=1 %", tag(R::ValueIsIncorrect, 18)),
        ("18=1  2", tag(R::ValueIsIncorrect, 18)),
        // CURRENCY, EXCHANGE, COUNTRY: strings
        ("15=USD", Ok(())),
        ("15=DOLLARS", Ok(())),
        ("207=XNYS", Ok(())),
    ];
    for (field, want) in cases {
        let msg = format!("{d}{field}|");
        assert_eq!(check(&v, &msg), *want, "{msg}");
    }
    // UTCDATEONLY and UTCTIMEONLY through the dictionary API (few messages carry them).
    let dict = dict("FIX44").unwrap();
    let ts = dict.field_by_name("MDEntryDate").unwrap().tag();
    let tm = dict.field_by_name("MDEntryTime").unwrap().tag();
    assert!(dict.is_value_well_formed(ts, b"20231231", false));
    assert!(dict.is_value_well_formed(ts, b"20230231", false));
    assert!(!dict.is_value_well_formed(ts, b"20230231", true));
    assert!(!dict.is_value_well_formed(ts, b"2023123", false));
    assert!(!dict.is_value_well_formed(ts, b"20231301", false));
    assert!(dict.is_value_well_formed(tm, b"23:59:59.999", false));
    assert!(dict.is_value_well_formed(tm, b"23:59:60", false));
    assert!(!dict.is_value_well_formed(tm, b"24:00:00", false));
    assert!(!dict.is_value_well_formed(tm, b"23:59", false));
    let country = dict.field_by_name("CountryOfIssue").unwrap().tag();
    assert!(dict.is_value_well_formed(country, b"USA", false));
    assert!(!dict.is_value_well_formed(country, b"USA", true));
    assert!(dict.is_value_well_formed(country, b"US", true));
}

#[test]
fn strict_formats_check_what_quickfix_does_not() {
    let options = ValidationOptions {
        strict_formats: true,
        ..qf()
    };
    let Some(v) = v4("FIX44", options) else {
        return;
    };
    let d = "8=FIX.4.4|35=D|34=2|49=A|52=<T>|56=B|11=ID|21=1|40=1|54=1|55=INTC|60=<T>|";
    let cases: &[(&str, Result<(), Rejection>)] = &[
        ("432=20230101", Ok(())),
        ("432=20230230", tag(R::IncorrectDataFormat, 432)),
        ("432=tomorrow", tag(R::IncorrectDataFormat, 432)),
        ("200=202303", Ok(())),
        ("200=202303w3", Ok(())),
        ("200=20230315", Ok(())),
        ("200=March", tag(R::IncorrectDataFormat, 200)),
        ("15=USD", Ok(())),
        ("15=DOLLARS", tag(R::IncorrectDataFormat, 15)),
        ("126=20230231-00:00:00", tag(R::IncorrectDataFormat, 126)),
    ];
    for (field, want) in cases {
        let msg = format!("{d}{field}|");
        assert_eq!(check(&v, &msg), *want, "{msg}");
    }
}

#[test]
fn fix40_and_fix41_char_fields_are_strings() {
    let Some(v) = v4("FIX40", qf()) else { return };
    let dict = dict("FIX40").unwrap();
    assert_eq!(dict.field(21).unwrap().xml_type(), "CHAR");
    assert_eq!(
        dict.field_type(21),
        Some(spinfix_session::dict::FieldType::String)
    );
    let d = "8=FIX.4.0|35=D|34=2|49=A|52=<T>|56=B|11=ID|21=1|40=1|54=1|55=INTC|38=100|";
    assert_eq!(check(&v, d), Ok(()));
    let bad_enum = "8=FIX.4.0|35=D|34=2|49=A|52=<T>|56=B|11=ID|21=12|40=1|54=1|55=INTC|38=100|";
    assert_eq!(check(&v, bad_enum), tag(R::ValueIsIncorrect, 21));
}
