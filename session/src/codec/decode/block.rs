//! One 64-byte block of a frame's body as the bitmask of its SOH bytes, and its share of
//! CheckSum: what the fast path finds the fields' ends from.
//!
//! On x86_64 the block is scanned with SSE2, part of the x86_64 baseline (so no runtime
//! detection): per 16 bytes one load, one compare and one `pmovmskb`, which turns a compare
//! result into bits directly. Portable code cannot reach that instruction; its best form (below,
//! which LLVM vectorises) weights each byte by its bit and adds a word's weights with a
//! multiply, 35 instructions a block more: about 105 of the ~1,475 a NewOrderSingle's decode
//! took. That measured gain is what the unsafe loads buy. The portable scan stays for other
//! targets and as the reference the SSE2 one is tested against. On a CPU with AVX2 the fast
//! path's second copy (see `fast::Variant`) scans with two 32-byte compares instead of four
//! (44 instructions a NewOrderSingle), tested against the SSE2 scan.

use crate::codec::SOH;

/// 64 zero bytes, then 64 bytes of all ones: `KEEP_FROM[64 - skip..][..64]` keeps the bytes of a
/// block from `skip` on. A window into a constant table, because a compare against `skip` per
/// byte was not vectorised.
const KEEP_FROM: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 64;
    while i < 128 {
        t[i] = 0xff;
        i += 1;
    }
    t
};

/// The mask that keeps a block's bytes from `skip` on (all of them for `skip` 0).
#[inline(always)]
fn keep_from(skip: usize) -> &'static [u8; 64] {
    match KEEP_FROM
        .get(64 - skip.min(64)..)
        .and_then(|k| k.first_chunk::<64>())
    {
        Some(keep) => keep,
        // Unreachable: 64 - min(skip, 64) is at most 64, and 128 - 64 bytes remain.
        None => &[0xff; 64],
    }
}

#[cfg(target_arch = "x86_64")]
pub(super) use sse2::{scan, Sums};

#[cfg(not(target_arch = "x86_64"))]
pub(super) use portable::{scan, Sums};

/// How the fast path scans its blocks: [`Baseline`] everywhere, [`Avx2`] where the CPU has it.
pub(super) trait Scanner: Copy {
    /// CheckSum's running lanes.
    type Sums: Copy;
    /// Lanes at zero.
    fn sums(self) -> Self::Sums;
    /// As [`scan`]: the SOH mask of `block` from `skip` on, those bytes added to `sums`.
    fn scan(self, block: &[u8; 64], skip: usize, sums: &mut Self::Sums) -> u64;
    /// The lanes' sum modulo 256.
    fn total(self, sums: Self::Sums) -> u8;
}

/// The baseline scan: SSE2 on x86_64, portable code elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Baseline;

impl Scanner for Baseline {
    type Sums = Sums;
    #[inline(always)]
    fn sums(self) -> Sums {
        Sums::new()
    }
    #[inline(always)]
    fn scan(self, block: &[u8; 64], skip: usize, sums: &mut Sums) -> u64 {
        scan(block, skip, sums)
    }
    #[inline(always)]
    fn total(self, sums: Sums) -> u8 {
        sums.total()
    }
}

#[cfg(target_arch = "x86_64")]
pub(super) use avx2::Avx2;

/// The SSE2 scan.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod sse2 {
    use super::{keep_from, SOH};
    use core::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_and_si128, _mm_cmpeq_epi8, _mm_cvtsi128_si32, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_sad_epu8, _mm_set1_epi8, _mm_setzero_si128, _mm_shuffle_epi32,
    };

    /// CheckSum's byte sum in sixteen wrapping lanes, kept in a register across blocks.
    #[derive(Clone, Copy)]
    pub(in super::super) struct Sums(pub(super) __m128i);

    impl Sums {
        #[inline(always)]
        pub(in super::super) fn new() -> Self {
            // SAFETY: SSE2 is part of the x86_64 baseline, so the instruction exists on every
            // CPU this code is compiled for; the intrinsic touches no memory.
            Sums(unsafe { _mm_setzero_si128() })
        }

        /// The lanes' sum modulo 256.
        #[inline(always)]
        pub(in super::super) fn total(self) -> u8 {
            // SAFETY: SSE2 is baseline on x86_64; the intrinsics touch registers only.
            unsafe {
                let folded = _mm_add_epi8(self.0, _mm_shuffle_epi32::<0b1110_1110>(self.0));
                // The low eight lanes now hold the sum; `psadbw` adds them into one u16.
                let sum = _mm_sad_epu8(folded, _mm_setzero_si128());
                _mm_cvtsi128_si32(sum) as u8
            }
        }
    }

    /// Bit i set when byte `skip + i` of `block` is SOH; the bytes from `skip` on (those before
    /// were covered by the previous block) are added to `sums`.
    #[inline(always)]
    pub(in super::super) fn scan(block: &[u8; 64], skip: usize, sums: &mut Sums) -> u64 {
        let keep = keep_from(skip);
        let mut soh = 0u64;
        // SAFETY: SSE2 is baseline on x86_64. Each unaligned load reads the 16 bytes at offset
        // 16 * i (i < 4) of a 64-byte array (`block`, `keep`), so every load stays inside a
        // live borrow; the other intrinsics touch registers only.
        unsafe {
            let sohs = _mm_set1_epi8(SOH as i8);
            let mut acc = sums.0;
            for i in 0..4 {
                let bytes = _mm_loadu_si128(block.as_ptr().add(16 * i).cast::<__m128i>());
                // Only the last block of a frame overlaps (skip > 0): the others add their
                // bytes unmasked, 8 instructions a block fewer (29 a NewOrderSingle).
                let kept = if skip == 0 {
                    bytes
                } else {
                    let keep = _mm_loadu_si128(keep.as_ptr().add(16 * i).cast::<__m128i>());
                    _mm_and_si128(bytes, keep)
                };
                acc = _mm_add_epi8(acc, kept);
                let bits = _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, sohs)) as u16;
                soh |= u64::from(bits) << (16 * i);
            }
            sums.0 = acc;
        }
        // skip < 64 for every block the decoder passes in; `wrapping_shr` needs no check.
        soh.wrapping_shr(skip as u32)
    }
}

/// The AVX2 scan: two 32-byte compares a block where SSE2 takes four.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use super::{keep_from, sse2, Scanner, SOH};
    use core::arch::x86_64::{
        __m256i, _mm256_add_epi8, _mm256_and_si256, _mm256_castsi256_si128, _mm256_cmpeq_epi8,
        _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
        _mm256_setzero_si256, _mm_add_epi8,
    };

    /// Proof that the CPU has AVX2: the field is private, so only [`Avx2::detect`] makes one,
    /// and holding one is what makes its scan sound.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(in super::super) struct Avx2(());

    impl Avx2 {
        /// `Some` on a CPU with AVX2.
        pub(in super::super) fn detect() -> Option<Avx2> {
            std::is_x86_feature_detected!("avx2").then_some(Avx2(()))
        }
    }

    impl Scanner for Avx2 {
        type Sums = __m256i;

        #[inline(always)]
        fn sums(self) -> __m256i {
            // SAFETY: an `Avx2` exists only on a CPU with AVX2 (see `detect`).
            unsafe { zero() }
        }

        #[inline(always)]
        fn scan(self, block: &[u8; 64], skip: usize, sums: &mut __m256i) -> u64 {
            // SAFETY: an `Avx2` exists only on a CPU with AVX2 (see `detect`).
            unsafe { scan(block, skip, sums) }
        }

        #[inline(always)]
        fn total(self, sums: __m256i) -> u8 {
            // SAFETY: an `Avx2` exists only on a CPU with AVX2 (see `detect`).
            unsafe { total(sums) }
        }
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn zero() -> __m256i {
        _mm256_setzero_si256()
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn total(sums: __m256i) -> u8 {
        // The two halves added into sixteen lanes, then folded as the SSE2 lanes are.
        let halves = _mm_add_epi8(
            _mm256_castsi256_si128(sums),
            _mm256_extracti128_si256::<1>(sums),
        );
        sse2::Sums(halves).total()
    }

    /// [`super::sse2::scan`] in two 32-byte halves.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn scan(block: &[u8; 64], skip: usize, sums: &mut __m256i) -> u64 {
        let keep = keep_from(skip);
        let sohs = _mm256_set1_epi8(SOH as i8);
        let mut acc = *sums;
        let mut soh = 0u64;
        for i in 0..2 {
            // SAFETY: each unaligned load reads the 32 bytes at offset 32 * i (i < 2) of a
            // 64-byte array (`block`, `keep`), inside a live borrow.
            let bytes = unsafe { _mm256_loadu_si256(block.as_ptr().add(32 * i).cast()) };
            let kept = if skip == 0 {
                bytes
            } else {
                // SAFETY: as above.
                let keep = unsafe { _mm256_loadu_si256(keep.as_ptr().add(32 * i).cast()) };
                _mm256_and_si256(bytes, keep)
            };
            acc = _mm256_add_epi8(acc, kept);
            let bits = _mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, sohs)) as u32;
            soh |= u64::from(bits) << (32 * i);
        }
        *sums = acc;
        soh.wrapping_shr(skip as u32)
    }
}

/// The portable scan: the reference the SSE2 one is tested against, and the scan elsewhere.
#[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
mod portable {
    use super::{keep_from, SOH};

    /// CheckSum's byte sum in sixteen wrapping lanes (LLVM keeps them in a vector register).
    #[derive(Clone, Copy)]
    pub(in super::super) struct Sums([u8; 16]);

    impl Sums {
        #[inline(always)]
        pub(in super::super) fn new() -> Self {
            Sums([0; 16])
        }

        /// The lanes' sum modulo 256.
        #[inline(always)]
        pub(in super::super) fn total(self) -> u8 {
            self.0.iter().fold(0u8, |a, &b| a.wrapping_add(b))
        }
    }

    /// [`super::sse2::scan`] in portable code. Each byte becomes its bit's weight within its
    /// word (`1 << (i % 8)`, one `pcmpeqb` and one `pand` per 16 bytes), and a word's eight
    /// weights add up, without carries, in the top byte of one multiply.
    #[inline(always)]
    pub(in super::super) fn scan(block: &[u8; 64], skip: usize, sums: &mut Sums) -> u64 {
        let mut weights = [0u8; 64];
        for (i, (w, &b)) in weights.iter_mut().zip(block.iter()).enumerate() {
            *w = if b == SOH { 1 << (i % 8) } else { 0 };
        }
        let keep = keep_from(skip);
        for (chunk, keep) in block.chunks_exact(16).zip(keep.chunks_exact(16)) {
            for ((s, &b), &k) in sums.0.iter_mut().zip(chunk.iter()).zip(keep.iter()) {
                *s = s.wrapping_add(b & k);
            }
        }
        // Each word's sum enters at the top and moves down a byte per later word: one
        // constant, where placing each at its byte needed a mask per word.
        let mut mask = 0u64;
        for word in weights.chunks_exact(8) {
            if let Some(w) = word.first_chunk::<8>().map(|b| u64::from_le_bytes(*b)) {
                mask = (mask >> 8) | (w.wrapping_mul(0x0101_0101_0101_0101) & (0xff << 56));
            }
        }
        mask.wrapping_shr(skip as u32)
    }
}

/// Blocks with one SOH, then runs of them, at every offset, among bytes a signed or borrowing
/// test could mistake for SOH (0x00, 0x81, 0xff, 0x02): each with its run's start and mask.
#[cfg(test)]
pub(super) fn soh_run_blocks() -> impl Iterator<Item = ([u8; 64], usize, u64)> {
    (0..64).flat_map(|at| {
        [1, 2, 9, 64].into_iter().map(move |run| {
            let mut block: [u8; 64] = std::array::from_fn(|i| [0x00, 0x81, 0xff, 0x02][i % 4]);
            let mut mask = 0u64;
            for (i, b) in block.iter_mut().enumerate().skip(at).take(run) {
                *b = SOH;
                mask |= 1 << i;
            }
            (block, at, mask)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::checksum;

    /// Every SOH run of [`soh_run_blocks`] at every skip: the mask has exactly their bits, and
    /// the sums add up to CheckSum of the bytes from `skip` on, for the scan in use (SSE2 on
    /// x86_64) and the portable one.
    #[test]
    fn scan_marks_every_soh_and_sums_from_skip() {
        for (block, at, all) in soh_run_blocks() {
            for skip in 0..64 {
                let want = all >> skip;
                let mut sums = Sums::new();
                assert_eq!(scan(&block, skip, &mut sums), want, "{at} {skip}");
                assert_eq!(sums.total(), checksum(&block[skip..]), "{at} {skip}");
                let mut sums = portable::Sums::new();
                assert_eq!(portable::scan(&block, skip, &mut sums), want);
                assert_eq!(sums.total(), checksum(&block[skip..]), "{at} {skip}");
            }
        }
    }

    /// Every byte value at every position: the SOH mask and the sums agree with the portable
    /// scan and CheckSum.
    #[test]
    fn scan_agrees_with_portable_for_every_byte() {
        let mut block = [0u8; 64];
        for byte in 0..=255u8 {
            for (i, b) in block.iter_mut().enumerate() {
                *b = [byte, SOH, 0x80, 0xff, 0x00, 0x81][i % 6];
            }
            block.rotate_left(usize::from(byte) % 64);
            for skip in [0, 1, 15, 16, 17, 33, 63] {
                let (mut a, mut b) = (Sums::new(), portable::Sums::new());
                assert_eq!(
                    scan(&block, skip, &mut a),
                    portable::scan(&block, skip, &mut b),
                    "{byte:#x} {skip}"
                );
                assert_eq!(a.total(), b.total(), "{byte:#x} {skip}");
                assert_eq!(a.total(), checksum(&block[skip..]), "{byte:#x} {skip}");
            }
        }
    }

    /// The AVX2 scan (where this CPU has AVX2) against the SSE2 one: every SOH run at every
    /// skip, and every byte value at every position, masks and sums alike.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_scan_agrees_with_sse2() {
        let Some(avx2) = Avx2::detect() else {
            eprintln!("no AVX2 on this CPU: the AVX2 scan is not tested here");
            return;
        };
        let mut blocks: Vec<[u8; 64]> = soh_run_blocks().map(|(b, _, _)| b).collect();
        for byte in 0..=255u8 {
            let mut block: [u8; 64] = std::array::from_fn(|i| [byte, SOH, 0x80, 0xff][i % 4]);
            block.rotate_left(usize::from(byte) % 64);
            blocks.push(block);
        }
        for block in &blocks {
            for skip in 0..64 {
                let (mut a, mut b) = (avx2.sums(), Sums::new());
                assert_eq!(avx2.scan(block, skip, &mut a), scan(block, skip, &mut b));
                assert_eq!(avx2.total(a), b.total(), "{skip}");
                // Carried into a second block, as the decoder's sums are.
                assert_eq!(avx2.scan(block, 0, &mut a), scan(block, 0, &mut b));
                assert_eq!(avx2.total(a), b.total(), "{skip}");
            }
        }
    }

    /// Sums carry across blocks as CheckSum does across the body.
    #[test]
    fn sums_add_up_across_blocks() {
        let body: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
        let mut sums = Sums::new();
        let mut base = 0;
        while base < body.len() {
            let at = base.min(body.len() - 64);
            let block = body[at..].first_chunk::<64>().unwrap();
            scan(block, base - at, &mut sums);
            base += 64;
        }
        assert_eq!(sums.total(), checksum(&body));
    }
}
