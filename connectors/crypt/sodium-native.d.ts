// The few libsodium calls Ferry's crypt format uses (sodium-native ships no types of its own).
declare module 'sodium-native' {
  const sodium: {
    crypto_secretbox_MACBYTES: number;
    crypto_secretbox_NONCEBYTES: number;
    crypto_secretbox_KEYBYTES: number;
    /** Writes the 16-byte tag then the ciphertext into `c` (length message.length + 16). */
    crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
    /** Writes the plaintext into `m`; false when the tag does not authenticate (then `m` holds nothing useful). */
    crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
    randombytes_buf(buf: Uint8Array): void;
  };
  export default sodium;
}
