//! The fast path for well-formed frames: SOH positions first, then each field from one word.
//!
//! The trailer is checked first (`<SOH>10=nnn<SOH>` closes the frame). The body before it is
//! then read in 64-byte blocks: a block's SOH positions become one bitmask (SSE2 on x86_64, or
//! AVX2 in the copy a capable CPU runs, see `Variant`; `block.rs` also adds the block's bytes
//! to CheckSum), and each set bit closes a field.
//! So where a field ends does not wait on the previous field's loads, only on a bit scan of a mask
//! already in a register, and the fields' tag conversions overlap in the pipeline. The last block
//! ends with the body and overlaps the one before (its mask shifted past the bytes already read),
//! so every block takes the same loop: a separate loop for the remainder cost twice the
//! instructions per word and a second copy of the field code. A field's tag comes from one word
//! load at its start (a digit check and a multiply-shift conversion, no loop); every field before
//! the trailer starts at least eight bytes before the end, so that load never runs off the frame.
//!
//! Nothing here produces an error: whatever the path is not sure of (a malformed tag or
//! header, a tag of eight or more digits, a data field whose value may hold SOH, a CheckSum(10)
//! before the end, a wrong BodyLength or CheckSum, more fields than the index has slots)
//! returns `None` and the frame is decoded again by `checked`, which names the rule. So the
//! two paths agree on every frame the fast one accepts, and a test holds both to a plain
//! reference decoder.

use super::block::{self, Scanner};
use super::{parse_len, Field};
use crate::codec::scan::{soh_bits, word_number, word_tag};
use crate::codec::{checksum, tags, SOH};

/// `<SOH>10=` and the closing SOH of the trailer as one word, with the mask of those bytes.
const TRAILER: u64 = u64::from_le_bytes([SOH, b'1', b'0', b'=', 0, 0, 0, SOH]);
const TRAILER_MASK: u64 = u64::from_le_bytes([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0xff]);

/// Tags the fast path leaves to the general one: the length tags (their data field may hold
/// SOH) and CheckSum(10) (before the end of the frame it ends the message early).
const GENERAL_PATH_TAGS: [u64; 20] = {
    let mut bits = tags::LENGTH_TAG_BITS;
    bits[0] |= 1 << tags::CHECK_SUM;
    bits
};

/// Which compiled copy of the fast path a decoder runs, chosen once for the CPU.
///
/// On x86_64 CPUs with AVX2, BMI1 and BMI2 (every Intel core since Haswell, every AMD since
/// Excavator) the same code runs compiled for them: `andn` and `shlx` take the `mov`/`not`
/// pairs and the multi-uop `shl r, cl` out of each field's tag word, and the block scan
/// compares 32 bytes at a time. The x86_64 baseline has none of the three, so the choice is
/// made at run time, and once per decoder: asking `std`'s CPUID cache on each call cost ten
/// instructions a decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Variant {
    Baseline,
    #[cfg(target_arch = "x86_64")]
    Avx2Bmi2(BmiDetected, block::Avx2),
}

/// Proof that the CPU has BMI1 and BMI2: its field is private, so only [`Variant::detect`]
/// makes one, and holding one with a [`block::Avx2`] is what makes calling
/// `decode_avx2_bmi2` sound.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BmiDetected(());

impl Variant {
    /// The best copy this CPU runs.
    pub(super) fn detect() -> Variant {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("bmi1") && std::is_x86_feature_detected!("bmi2") {
            if let Some(avx2) = block::Avx2::detect() {
                return Variant::Avx2Bmi2(BmiDetected(()), avx2);
            }
        }
        Variant::Baseline
    }
}

/// Decodes a well-formed frame into the first slots of `fields`; returns the field count, or
/// `None` when the general path must decide.
#[inline(always)]
#[allow(unsafe_code)]
pub(super) fn decode(variant: Variant, frame: &[u8], fields: &mut [Field]) -> Option<usize> {
    match variant {
        Variant::Baseline => decode_baseline(frame, fields),
        // SAFETY: the one requirement of a `target_feature` function is that the CPU has the
        // features: a `BmiDetected` is only made by `detect`, after detecting BMI1 and BMI2,
        // and a `block::Avx2` only by `Avx2::detect`, after detecting AVX2.
        #[cfg(target_arch = "x86_64")]
        Variant::Avx2Bmi2(BmiDetected(()), avx2) => unsafe {
            decode_avx2_bmi2(avx2, frame, fields)
        },
    }
}

/// [`decode`] by every copy this CPU runs, which must agree on the answer and the slots: how
/// the tests hold the baseline and the AVX2/BMI2 copy to the same rules.
#[cfg(test)]
pub(super) fn decode_each(frame: &[u8], fields: &mut [Field]) -> Option<usize> {
    let mut baseline = fields.to_vec();
    let want = decode(Variant::Baseline, frame, &mut baseline);
    let got = decode(Variant::detect(), frame, fields);
    assert_eq!(got, want, "{:?}", String::from_utf8_lossy(frame));
    if let Some(n) = got {
        assert_eq!(fields[..n], baseline[..n]);
    }
    got
}

/// [`decode`] for the x86_64 baseline (or another target).
///
/// Kept out of line: inlined into `Decoder::decode`, the caller's result pointers stayed live
/// across the field loop and its constants were reloaded per field (18 instructions more).
#[inline(never)]
fn decode_baseline(frame: &[u8], fields: &mut [Field]) -> Option<usize> {
    decode_frame(block::Baseline, frame, fields)
}

/// [`decode`] compiled for AVX2, BMI1 and BMI2, with the AVX2 block scan. The whole decode of
/// a NewOrderSingle in 1,083 instructions against the baseline's 1,185. BMI alone took it from
/// 1,183 to 1,151 (best of 30 interleaved runs 106.5 against 113.7 ns), the AVX2 scan from
/// 1,127 to 1,083 (91.9 against 94.4 ns).
#[cfg(target_arch = "x86_64")]
#[inline(never)]
#[target_feature(enable = "avx2,bmi1,bmi2")]
fn decode_avx2_bmi2(avx2: block::Avx2, frame: &[u8], fields: &mut [Field]) -> Option<usize> {
    decode_frame(avx2, frame, fields)
}

/// The fast path itself, inlined into each variant so that each is compiled for its CPU.
#[inline(always)]
fn decode_frame<S: Scanner>(scanner: S, frame: &[u8], fields: &mut [Field]) -> Option<usize> {
    let len = frame.len();
    let trailer = u64::from_le_bytes(*frame.last_chunk::<8>()?);
    if trailer & TRAILER_MASK != TRAILER {
        return None;
    }
    // The three digits are bytes 4 to 6 of the trailer word.
    let declared_sum = u8::try_from(word_number(trailer >> 32, 3)?).ok()?;
    // The body (header included) up to the trailer's `10=`; it ends with a SOH.
    let body_end = len - 7;
    let body = frame.get(..body_end)?;
    let slot_count = fields.len();
    let mut fields_out = Fields {
        frame,
        slots: fields.iter_mut(),
        start: 0,
    };
    let sum = if let Some(last) = body.len().checked_sub(64) {
        // Every block is 64 bytes: the last one ends with the body and overlaps the one before,
        // its mask shifted past the bytes already read. One loop, one copy of the field code.
        let mut sums = scanner.sums();
        let mut base = 0usize;
        while base < body.len() {
            let at = base.min(last);
            let block = body.get(at..)?.first_chunk::<64>()?;
            fields_out.close_all(base, scanner.scan(block, base - at, &mut sums))?;
            base += 64;
        }
        scanner.total(sums)
    } else {
        fields_out.close_all(0, short_mask(body)?)?;
        checksum(body)
    };
    // The slots used, counted from those left rather than kept in a counter.
    let (n, start) = (slot_count - fields_out.slots.len(), fields_out.start);
    if start != body_end {
        return None;
    }
    let [begin, bl, msg_type, ..] = *fields.get(..n)? else {
        return None;
    };
    if begin.tag != tags::BEGIN_STRING
        || bl.tag != tags::BODY_LENGTH
        || msg_type.tag != tags::MSG_TYPE
    {
        return None;
    }
    // BodyLength(9) ends before the body, so its word is inside the frame (the `min`, as in
    // `close`, changes nothing). Nine digits (a body of 100 MB, or leading zeros) do not fit the
    // word: the byte loop reads them.
    let at = (bl.start as usize).min(len - 8);
    // end >= start in every field the loop made; were it not, the wrapped length would fail
    // `word_number` and then `get`.
    let digits = bl.end.wrapping_sub(bl.start) as usize;
    let declared_len = match word_number(word_at(frame.get(at..)?)?, digits) {
        Some(v) => v as usize,
        None => nine_digit_len(frame.get(bl.range())?)?,
    };
    if declared_len != body_end - (bl.end as usize + 1) {
        return None;
    }
    if sum != declared_sum {
        return None;
    }
    *fields.get_mut(n)? = Field {
        tag: tags::CHECK_SUM,
        start: (len - 4) as u32,
        end: (len - 1) as u32,
    };
    Some(n + 1)
}

/// A BodyLength of nine digits, or one that is not a number.
#[cold]
fn nine_digit_len(digits: &[u8]) -> Option<usize> {
    parse_len(digits)
}

/// The SOH mask of a body shorter than a block: whole words, then the word that ends the
/// body shifted past the bytes already read.
#[cold]
fn short_mask(body: &[u8]) -> Option<u64> {
    let mut mask = 0u64;
    let mut words = body.chunks_exact(8);
    for (j, word) in (&mut words).enumerate() {
        mask |= soh_bits(word_at(word)?) << (8 * j);
    }
    let rest = words.remainder().len();
    if rest > 0 {
        let last = u64::from_le_bytes(*body.last_chunk::<8>()?) >> (8 * (8 - rest));
        mask |= soh_bits(last) << (body.len() - rest);
    }
    Some(mask)
}

/// The fields found so far and where the next one starts.
///
/// Each field's tag word is read unchecked: the bounds check (a compare and a `cmov` to clamp
/// the index, so that no panic path remained) cost three instructions a field, 56 of a
/// NewOrderSingle's 1,239 (4.5%). What makes it sound holds whatever the bytes are: every
/// `soh` passed to [`Fields::close`] is the index of a body byte (a bit of a block or short
/// mask, both cut from `body`), and the body ends 7 bytes before the frame does (`10=nnn<SOH>`
/// follows it), so `start`, at most one past the previous SOH, begins 8 readable bytes.
struct Fields<'f, 'a> {
    frame: &'a [u8],
    slots: std::slice::IterMut<'f, Field>,
    start: usize,
}

impl Fields<'_, '_> {
    /// Closes one field at each SOH in `mask` (bit i: the body byte at `base + i`).
    #[inline(always)]
    fn close_all(&mut self, base: usize, mut mask: u64) -> Option<()> {
        while mask != 0 {
            self.close(base + mask.trailing_zeros() as usize)?;
            mask &= mask - 1;
        }
        Some(())
    }

    /// The field from `self.start` up to the SOH at `soh`.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn close(&mut self, soh: usize) -> Option<()> {
        let start = self.start;
        assert_in_body(start, soh, self.frame.len());
        // SAFETY: `start` is 0 or one past an earlier SOH, so start <= soh, and soh is a body
        // byte, so soh + 8 <= frame.len() (see `Fields`): the 8 bytes at `start` are inside
        // the frame. `read_unaligned` needs no alignment.
        let w = u64::from_le_bytes(unsafe {
            self.frame
                .as_ptr()
                .add(start)
                .cast::<[u8; 8]>()
                .read_unaligned()
        });
        let (tag, value_at) = word_tag(w)?;
        if is_general_path_tag(tag) {
            return None;
        }
        // The tag's bytes are digits and the `=` ends them, so the SOH comes after the `=`.
        *self.slots.next()? = Field {
            tag,
            start: (start + value_at) as u32,
            end: soh as u32,
        };
        self.start = soh + 1;
        Some(())
    }
}

/// The bound the unchecked tag-word load relies on, checked in debug builds and in this
/// crate's unit tests (under `--release` too): the property tests' random bodies and every
/// frame the tests decode pass through it.
#[inline(always)]
fn assert_in_body(start: usize, soh: usize, frame_len: usize) {
    if cfg!(any(test, debug_assertions)) {
        assert!(
            start <= soh && soh + 8 <= frame_len,
            "field at {start}..{soh} of a {frame_len}-byte frame"
        );
    }
}

/// The first eight bytes of `bytes` as a little-endian word.
#[inline(always)]
fn word_at(bytes: &[u8]) -> Option<u64> {
    bytes.first_chunk::<8>().map(|b| u64::from_le_bytes(*b))
}

#[inline(always)]
fn is_general_path_tag(tag: u32) -> bool {
    // Below 90 only CheckSum(10) qualifies: the common tags are decided by two compares.
    if tag < 90 {
        return tag == tags::CHECK_SUM;
    }
    let word = GENERAL_PATH_TAGS
        .get((tag / 64) as usize)
        .copied()
        .unwrap_or(0);
    word & (1 << (tag % 64)) != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    /// Frames whose last field before the trailer is as short as a field gets (`5=` and its
    /// SOH), at every body length from 8 to 200 bytes: the last tag word starts 10 bytes before
    /// the end, the closest the bound of `Fields` allows. Each frame is decoded from an
    /// allocation of exactly its size, so a load past the end would leave the allocation
    /// (`assert_in_body` checks the bound on every field).
    #[test]
    fn tag_word_loads_stay_in_the_frame() {
        let mut fields = vec![super::super::Field::EMPTY; 64];
        for pad in 0..190 {
            let body = format!("35=0\x0158={}\x015=\x01", "x".repeat(pad));
            let mut m = format!("8=FIX.4.4\x019={}\x01{body}", body.len()).into_bytes();
            let sum = checksum(&m);
            m.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
            let exact: Box<[u8]> = m.into_boxed_slice();
            let n = decode_each(&exact, &mut fields).expect("a plain frame takes the fast path");
            assert_eq!(fields[n - 2].tag, 5, "{pad}");
            assert_eq!(fields[n - 2].range(), exact.len() - 8..exact.len() - 8);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any bytes before a trailer-shaped end (SOHs and `=` anywhere, digits and not):
        /// whatever the fast path answers, each field it closes was read inside the frame.
        #[test]
        fn any_body_keeps_tag_word_loads_in_the_frame(
            body in vec(prop::sample::select(b"0123456789=\x01a".to_vec()), 0..200),
            sum in 0u32..1000,
        ) {
            let mut m = body;
            m.push(SOH);
            m.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
            let exact: Box<[u8]> = m.into_boxed_slice();
            let mut fields = vec![super::super::Field::EMPTY; 80];
            let _ = decode_each(&exact, &mut fields);
        }
    }

    /// Bodies of every length up to 63 bytes cut from every SOH run of `block::soh_run_blocks`,
    /// so that each body ends before, inside and after its run.
    #[test]
    fn short_mask_marks_every_soh() {
        for (block, at, run) in block::soh_run_blocks() {
            for end in 0..64 {
                // Bodies of one to seven bytes have no word to read: the general path's.
                let short = (end == 0 || end >= 8).then_some(run & ((1 << end) - 1));
                assert_eq!(short_mask(&block[..end]), short, "{at} {end}");
            }
        }
    }
}
