//! Validation allocates nothing per message once warm: a counting global allocator watches this
//! thread while valid, rejected, grouped and FIXT messages are decoded and validated.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Arc;

use spinfix_session::codec::{checksum, Decoder};
use spinfix_session::dict::{Dictionary, ValidationOptions, Validator};

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// Counts allocations made by the current thread; delegates the work to the system allocator.
struct Counting;

fn count() {
    // `try_with`: the thread-local may already be gone while a thread shuts down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `Counting`
// upholds exactly the guarantees `System` does; counting touches only a thread-local `Cell`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's; `ptr` came from this allocator, i.e. `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's; `ptr` came from this allocator, i.e. `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

fn frame(begin: &str, body: &str) -> Vec<u8> {
    let body = body.replace('|', "\x01");
    let mut f = format!("8={begin}\x019={}\x01{body}", body.len()).into_bytes();
    let sum = checksum(&f);
    f.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
    f
}

#[test]
fn validation_allocates_nothing_once_warm() {
    let spec = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec"));
    if !spec.is_dir() {
        eprintln!("skipping: {} not found", spec.display());
        return;
    }
    let fix44 = Arc::new(Dictionary::from_file(spec.join("FIX44.xml")).unwrap());
    let fixt11 = Arc::new(Dictionary::from_file(spec.join("FIXT11.xml")).unwrap());
    let sp2 = Arc::new(Dictionary::from_file(spec.join("FIX50SP2.xml")).unwrap());
    let strict = ValidationOptions {
        group_members: true,
        strict_formats: true,
        ..ValidationOptions::default()
    };
    let v44 = Validator::new(fix44.clone(), ValidationOptions::default());
    let v44_strict = Validator::new(fix44, strict);
    let v50 = Validator::fixt(fixt11, sp2.clone(), ValidationOptions::default())
        .with_application(b"9", sp2);
    let h = "34=2|49=A|52=20231114-22:13:20.123|56=B|";
    let cases = [
        (&v44, frame("FIX.4.4", &format!("35=D|{h}11=ID|21=1|40=2|44=1.5|54=1|55=INTC|60=20231114-22:13:20|38=100|453=2|448=A|447=D|452=1|802=1|523=s|803=1|448=B|447=D|452=3|")), true),
        (&v44, frame("FIX.4.4", &format!("35=D|{h}11=ID|21=9|40=2|54=1|55=INTC|60=20231114-22:13:20|")), false),
        (&v44, frame("FIX.4.4", &format!("35=D|{h}11=ID|21=1|40=1|54=1|55=INTC|386=3|336=A|336=B|60=20231114-22:13:20|")), false),
        (&v44, frame("FIX.4.4", &format!("35=D|11=id|{h}")), false),
        (&v44, frame("FIX.4.4", &format!("35=E|{h}66=L1|394=3|68=2|73=2|11=A|67=1|54=1|55=IBM|40=1|38=10|11=B|67=2|55=MSFT|40=2|44=3.5|38=20|")), false),
        (&v44_strict, frame("FIX.4.4", &format!("35=D|{h}11=ID|21=1|40=1|54=1|55=INTC|60=20231114-22:13:20|78=1|79=a|539=1|524=q|525=D|538=1|804=1|545=x|805=1|80=5|")), true),
        (&v50, frame("FIXT.1.1", &format!("35=D|{h}1128=9|11=ID|40=1|54=1|55=INTC|60=20231114-22:13:20|")), true),
        (&v50, frame("FIXT.1.1", &format!("35=0|{h}112=x|")), true),
    ];
    let mut decoder = Decoder::new();
    for (v, f, ok) in &cases {
        let m = decoder.decode(f).unwrap();
        assert_eq!(
            v.validate(&m).is_ok(),
            *ok,
            "{}",
            String::from_utf8_lossy(f)
        );
    }
    // The counter sees this thread's allocations.
    let probe = allocations();
    drop(std::hint::black_box(Vec::<u8>::with_capacity(16)));
    assert!(
        allocations() > probe,
        "the counting allocator is not counting"
    );

    let before = allocations();
    for _ in 0..1000 {
        for (v, f, ok) in &cases {
            let m = decoder.decode(f).unwrap();
            assert_eq!(v.validate(&m).is_ok(), *ok);
        }
    }
    assert_eq!(
        allocations() - before,
        0,
        "allocations while validating warm"
    );
}
