//! The FIX CheckSum: the byte sum modulo 256.

/// Sum of `bytes` modulo 256, as CheckSum(10) carries it.
#[inline]
pub fn checksum(bytes: &[u8]) -> u8 {
    // A wrapping u8 sum is the sum modulo 256 already, and it vectorises to one byte-add per
    // 16 bytes (u32 lanes needed widening and four times the adds).
    bytes.iter().fold(0u8, |acc, &b| acc.wrapping_add(b))
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
