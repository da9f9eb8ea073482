//! Validation latency against the FIX.4.4 dictionary, QuickFIX's default options: the ~200-byte
//! NewOrderSingle fixture, the same with a two-instance Parties group, and a rejected one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use spinfix_benches::new_order_single;
use spinfix_session::codec::{checksum, Decoder};
use spinfix_session::dict::{Dictionary, Scratch, ValidationOptions, Validator};

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec/FIX44.xml");

fn frame(body: &str) -> Vec<u8> {
    let body = body.replace('|', "\x01");
    let mut f = format!("8=FIX.4.4\x019={}\x01{body}", body.len()).into_bytes();
    let sum = checksum(&f);
    f.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
    f
}

fn validate(c: &mut Criterion) {
    if !std::path::Path::new(SPEC).exists() {
        eprintln!("skipping: {SPEC} not found");
        return;
    }
    let dict = Arc::new(Dictionary::from_file(SPEC).unwrap());
    let v = Validator::new(dict, ValidationOptions::default());
    let nos = new_order_single().unwrap();
    let parties = frame(
        "35=D|34=1234|49=SENDER|52=20231114-22:13:20.123|56=TARGET|1=ACCOUNT01|11=1234|21=1|38=1000|\
         40=2|44=123.45|54=1|55=AAPL|59=0|60=20231114-22:13:20.123|453=2|448=TRADER1|447=D|452=11|\
         448=DESK7|447=D|452=24|",
    );
    let rejected = frame(
        "35=D|34=1234|49=SENDER|52=20231114-22:13:20.123|56=TARGET|1=ACCOUNT01|11=1234|21=1|38=1000|\
         40=2|44=123.45|54=1|55=AAPL|59=Z|60=20231114-22:13:20.123|",
    );
    let mut d = Decoder::new();
    assert!(v.validate(&d.decode(&nos).unwrap()).is_ok());
    assert!(v.validate(&d.decode(&parties).unwrap()).is_ok());
    assert!(v.validate(&d.decode(&rejected).unwrap()).is_err());

    let mut g = c.benchmark_group("validate");
    g.throughput(Throughput::Bytes(nos.len() as u64));
    let m = d.decode(&nos).unwrap();
    g.bench_function("nos_fix44", |b| {
        b.iter(|| black_box(v.validate(black_box(&m))))
    });
    let mut scratch = Scratch::default();
    g.bench_function("nos_fix44_own_scratch", |b| {
        b.iter(|| black_box(v.validate_with(black_box(&m), &mut scratch)))
    });
    let mut d2 = Decoder::new();
    let p = d2.decode(&parties).unwrap();
    g.bench_function("nos_fix44_parties_group", |b| {
        b.iter(|| black_box(v.validate(black_box(&p))))
    });
    let mut d3 = Decoder::new();
    let r = d3.decode(&rejected).unwrap();
    g.bench_function("nos_fix44_rejected_enum", |b| {
        b.iter(|| black_box(v.validate(black_box(&r))))
    });
    let mut d4 = Decoder::new();
    g.bench_function("decode_and_validate_nos_fix44", |b| {
        b.iter(|| {
            let m = d4.decode(black_box(&nos)).unwrap();
            black_box(v.validate(&m))
        })
    });
    g.finish();
}

criterion_group!(benches, validate);
criterion_main!(benches);
