//! Redsys's `HMAC_SHA256_V1` signature: each order gets its own key, the order number
//! (zero-padded to whole 8-byte blocks) encrypted with 3DES-CBC under the merchant's key with
//! a zero IV; the signature is the HMAC-SHA256, under that key, of `Ds_MerchantParameters`
//! exactly as sent (the Base64 of the JSON). We send it in standard Base64; Redsys's
//! notifications may use the URL-safe alphabet, and both are read.

use base64::Engine;
use cbc::cipher::{BlockEncryptMut, KeyIvInit, block_padding::ZeroPadding};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type TdesCbc = cbc::Encryptor<des::TdesEde3>;

/// The merchant's secret key (`--redsys-key`): 24 bytes, given in Base64 as Redsys's
/// back office shows it.
#[derive(Clone)]
pub struct MerchantKey([u8; 24]);

impl std::fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MerchantKey(…)")
    }
}

impl MerchantKey {
    pub fn from_base64(text: &str) -> Result<MerchantKey, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| format!("the Redsys key is not Base64: {e}"))?;
        let key: [u8; 24] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!(
                "the Redsys key has 24 bytes (32 Base64 characters), not {}",
                b.len()
            )
        })?;
        Ok(MerchantKey(key))
    }

    /// The key of one order.
    fn order_key(&self, order: &str) -> Vec<u8> {
        TdesCbc::new(&self.0.into(), &[0u8; 8].into())
            .encrypt_padded_vec_mut::<ZeroPadding>(order.as_bytes())
    }

    fn mac(&self, order: &str, parameters: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.order_key(order))
            .expect("HMAC takes a key of any length");
        mac.update(parameters.as_bytes());
        mac
    }

    /// The signature of `parameters` (`Ds_MerchantParameters` as sent) for `order`, Base64.
    pub fn sign(&self, order: &str, parameters: &str) -> String {
        let tag = self.mac(order, parameters).finalize().into_bytes();
        base64::engine::general_purpose::STANDARD.encode(tag)
    }

    /// Whether `signature` (standard or URL-safe Base64) is ours for `parameters` of `order`,
    /// compared in constant time.
    pub fn verify(&self, order: &str, parameters: &str, signature: &str) -> bool {
        let Some(tag) = decode_any(signature) else {
            return false;
        };
        self.mac(order, parameters).verify_slice(&tag).is_ok()
    }
}

/// Base64 in either alphabet, with or without padding.
pub fn decode_any(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let trimmed = text.trim().trim_end_matches('=');
    STANDARD_NO_PAD
        .decode(trimmed)
        .or_else(|_| URL_SAFE_NO_PAD.decode(trimmed))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redsys's public test key, the one its documentation and test environment use.
    const TEST_KEY: &str = "sq7HjrUOBfKmC576ILgskD5srU870gJ7";

    /// A notification of Redsys's test environment, signed with the test key, as published
    /// with its PHP integration example (`ejemploRecepcionaPet.php`).
    const PARAMETERS: &str = "eyJEc19EYXRlIjoiMzAlMkYwOCUyRjIwMjIiLCJEc19Ib3VyIjoiMTIlM0ExOCIsIkRzX1NlY3VyZVBheW1lbnQiOiIxIiwiRHNfQ2FyZF9Db3VudHJ5IjoiNzI0IiwiRHNfQW1vdW50IjoiMTU5MDAiLCJEc19DdXJyZW5jeSI6Ijk3OCIsIkRzX09yZGVyIjoiTU4wMDAwNDkiLCJEc19NZXJjaGFudENvZGUiOiIzNTU4NjgxMDAiLCJEc19UZXJtaW5hbCI6IjAwMSIsIkRzX1Jlc3BvbnNlIjoiMDAwMCIsIkRzX01lcmNoYW50RGF0YSI6IiIsIkRzX1RyYW5zYWN0aW9uVHlwZSI6IjAiLCJEc19Db25zdW1lckxhbmd1YWdlIjoiMSIsIkRzX0F1dGhvcmlzYXRpb25Db2RlIjoiMDAyNDEzIiwiRHNfQ2FyZF9CcmFuZCI6IjEiLCJEc19Qcm9jZXNzZWRQYXlNZXRob2QiOiI1IiwiRHNfQ29udHJvbF8xNjYxODU0NjgzOTg4IjoiMTY2MTg1NDY4Mzk4OCJ9";
    const SIGNATURE: &str = "O9aFvML5qK8VBQhV4GK8kFHvmAQaSnX1hfckr7abzIs=";

    #[test]
    fn redsys_own_notification_verifies_with_the_test_key() {
        let key = MerchantKey::from_base64(TEST_KEY).unwrap();
        assert_eq!(key.sign("MN000049", PARAMETERS), SIGNATURE);
        assert!(key.verify("MN000049", PARAMETERS, SIGNATURE));
        // The URL-safe alphabet without padding reads the same.
        assert!(key.verify("MN000049", PARAMETERS, SIGNATURE.trim_end_matches('=')));
    }

    #[test]
    fn another_order_parameters_or_key_fail() {
        let key = MerchantKey::from_base64(TEST_KEY).unwrap();
        assert!(!key.verify("MN000050", PARAMETERS, SIGNATURE));
        assert!(!key.verify("MN000049", &PARAMETERS.replace("MDAw", "MDAx"), SIGNATURE));
        assert!(!key.verify("MN000049", PARAMETERS, "not base64 at all!"));
        let other = MerchantKey::from_base64("Mk9m98IfEblmPfrpsawt7BmxObt98Jev").unwrap();
        assert!(!other.verify("MN000049", PARAMETERS, SIGNATURE));
    }

    #[test]
    fn orders_longer_than_one_block_get_keys_of_two() {
        let key = MerchantKey::from_base64(TEST_KEY).unwrap();
        assert_eq!(key.order_key("MN000049").len(), 8);
        assert_eq!(key.order_key("1234ABCDEFGH").len(), 16);
        assert_ne!(key.order_key("1234ABCDEFGH"), key.order_key("1234ABCDEFGI"));
        assert!(MerchantKey::from_base64("c2hvcnQ=").is_err());
        assert!(MerchantKey::from_base64("not base64!").is_err());
    }
}
