//! The FIX CheckSum: the byte sum modulo 256.

/// Sum of `bytes` modulo 256, as CheckSum(10) carries it.
#[inline]
pub fn checksum(bytes: &[u8]) -> u8 {
    // Summing in u32 lanes lets the compiler vectorise; the final fold is the same modulo 256.
    let mut acc = 0u32;
    for chunk in bytes.chunks(1 << 16) {
        acc = acc.wrapping_add(chunk.iter().map(|&b| u32::from(b)).sum::<u32>());
    }
    (acc & 0xff) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_modulo_256() {
        assert_eq!(checksum(b""), 0);
        assert_eq!(checksum(&[255, 1]), 0);
        assert_eq!(checksum(b"8=FIX.4.2\x019=5\x0135=0\x01"), {
            b"8=FIX.4.2\x019=5\x0135=0\x01"
                .iter()
                .fold(0u8, |a, &b| a.wrapping_add(b))
        });
    }
}
