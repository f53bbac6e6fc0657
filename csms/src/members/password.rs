//! argon2id over memory of our own: each hashing thread keeps its working memory (19 MiB for
//! the default parameters) and reuses it for every hash, instead of allocating and freeing it
//! each time, which the system allocator answers by keeping a fresh copy per thread and per
//! arena: memory grew by tens of megabytes per login. Hashes are PHC strings, as the argon2
//! crate writes and reads them.

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng},
};
use subtle::ConstantTimeEq;

/// The most memory a stored hash may ask for, in KiB: one from elsewhere asking gigabytes
/// would be a way to exhaust us.
const MAX_M_COST: u32 = 64 * 1024;

/// One hashing thread's working memory.
#[derive(Default)]
pub(crate) struct Workspace {
    blocks: Vec<Block>,
}

impl Workspace {
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let n = params.block_count();
        if self.blocks.len() < n {
            self.blocks.resize(n, Block::default());
        }
        &mut self.blocks[..n]
    }

    /// A new hash of `password`: argon2id, the crate's default parameters, a random salt.
    pub(crate) fn hash(&mut self, password: &str) -> String {
        let params = Params::default();
        let salt = SaltString::generate(&mut OsRng);
        let mut raw = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut raw).expect("a generated salt decodes");
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt_bytes,
                &mut out,
                self.blocks(&params),
            )
            .expect("argon2 hashes any password with its default parameters");
        PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).expect("the default parameters encode"),
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).expect("a 32-byte output")),
        }
        .to_string()
    }

    /// Whether `password` matches a stored argon2id hash (anything else does not match).
    pub(crate) fn verify(&mut self, password: &str, stored: &str) -> bool {
        let Ok(hash) = PasswordHash::new(stored) else {
            return false;
        };
        if hash.algorithm != Algorithm::Argon2id.ident() {
            return false;
        }
        let Ok(params) = Params::try_from(&hash) else {
            return false;
        };
        let version = match hash.version.map(Version::try_from) {
            None => Version::V0x13,
            Some(Ok(v)) => v,
            Some(Err(_)) => return false,
        };
        let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
            return false;
        };
        if params.m_cost() > MAX_M_COST {
            return false;
        }
        let mut raw = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut raw) else {
            return false;
        };
        let mut out = vec![0u8; expected.len()];
        let argon2 = Argon2::new(Algorithm::Argon2id, version, params.clone());
        argon2
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                &mut out,
                self.blocks(&params),
            )
            .is_ok()
            && bool::from(out.ct_eq(expected.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn our_hashes_are_the_crates_and_the_crates_are_ours() {
        let mut ws = Workspace::default();
        let ours = ws.hash("correct horse battery");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(ws.verify("correct horse battery", &ours));
        assert!(!ws.verify("correct horse batterY", &ours));
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"another password", &salt)
            .unwrap()
            .to_string();
        assert!(ws.verify("another password", &theirs));
        assert!(!ws.verify("another passwore", &theirs));
    }

    #[test]
    fn malformed_foreign_or_greedy_hashes_never_match() {
        let mut ws = Workspace::default();
        assert!(!ws.verify("x", "not a hash"));
        assert!(!ws.verify(
            "x",
            "$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA"
        ));
        assert!(!ws.verify(
            "x",
            "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        ));
    }
}
