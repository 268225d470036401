package dev.patroxy.config;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Certificates and private keys in PEM, with the JDK alone: certificates as {@code BEGIN CERTIFICATE}, keys as PKCS#8
 * ({@code BEGIN PRIVATE KEY}, what OpenSSL 3 writes), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or SEC 1 EC
 * ({@code BEGIN EC PRIVATE KEY}, what {@code openssl ecparam -genkey} and {@code openssl ec} write). Text outside the
 * blocks (OpenSSL's "Bag Attributes", {@code EC PARAMETERS}, comments) is ignored.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]{1,40})-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** The algorithms a PKCS#8 key may be for; the first whose factory takes it wins. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");
    /** AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters, to wrap PKCS#1 in PKCS#8. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** The OBJECT IDENTIFIER of id-ecPublicKey (1.2.840.10045.2.1), whose parameters name the curve. */
    private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Pem() {
    }

    /** Every certificate in {@code text}, in order; none is an error. */
    public static List<X509Certificate> certificates(String text) throws PemException {
        List<X509Certificate> certificates = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        for (Block block : blocks(text)) {
            if (block.type().equals("CERTIFICATE")) {
                try {
                    certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
                } catch (CertificateException | RuntimeException e) {
                    throw new PemException("certificate " + (certificates.size() + 1) + " cannot be read: "
                            + e.getMessage());
                }
            }
        }
        if (certificates.isEmpty()) {
            throw new PemException("no certificate in it (a '-----BEGIN CERTIFICATE-----' block)");
        }
        return certificates;
    }

    /** The one private key in {@code text}. */
    public static PrivateKey privateKey(String text) throws PemException {
        if (text.contains("Proc-Type: 4,ENCRYPTED")) {
            // OpenSSL's traditional encryption, headers inside the block: not base64, so no block is read.
            throw new PemException("the private key is encrypted; patroxy reads unencrypted keys only (keep the file"
                    + " readable by patroxy alone; 'openssl pkey -in KEY -out PLAIN' decrypts it)");
        }
        PrivateKey key = null;
        for (Block block : blocks(text)) {
            PrivateKey found = switch (block.type()) {
                case "PRIVATE KEY" -> pkcs8(block.der());
                case "RSA PRIVATE KEY" -> pkcs8(privateKeyInfo(RSA_ALGORITHM, block.der()));
                case "EC PRIVATE KEY" -> pkcs8(privateKeyInfo(ecAlgorithm(block.der()), block.der()));
                case "ENCRYPTED PRIVATE KEY" -> throw new PemException(
                        "the private key is encrypted; patroxy reads unencrypted keys only (keep the file readable by"
                                + " patroxy alone; 'openssl pkcs8 -in KEY -out PLAIN' decrypts it)");
                case "DSA PRIVATE KEY" -> throw new PemException("a '" + block.type()
                        + "' block is not read; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY8");
                default -> null;
            };
            if (found != null) {
                if (key != null) {
                    throw new PemException("more than one private key in it");
                }
                key = found;
            }
        }
        if (key == null) {
            throw new PemException("no private key in it (a '-----BEGIN PRIVATE KEY-----' block)");
        }
        return key;
    }

    /** Refuses a key that is not the one of {@code certificate}: signs a few bytes and verifies with the certificate. */
    public static void checkPair(PrivateKey key, X509Certificate certificate) throws PemException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> null;
            default -> key.getAlgorithm();
        };
        if (algorithm == null) {
            return;
        }
        byte[] probe = "patroxy".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // A key of another type than the certificate's: not its key either.
        }
        throw new PemException("the private key does not belong to the certificate ("
                + certificate.getSubjectX500Principal().getName() + ")");
    }

    private static PrivateKey pkcs8(byte[] der) throws PemException {
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException | RuntimeException e) {
                // Not a key of this algorithm; try the next.
            }
        }
        throw new PemException("the private key cannot be read (not an RSA, EC or EdDSA key in PKCS#8)");
    }

    /**
     * A PKCS#1 or SEC 1 key inside PKCS#8's PrivateKeyInfo: version 0, the algorithm, the key as an octet string.
     */
    private static byte[] privateKeyInfo(byte[] algorithmIdentifier, byte[] key) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(algorithmIdentifier);
        body.write(0x04);
        body.writeBytes(derLength(key.length));
        body.writeBytes(key);
        return sequence(body.toByteArray());
    }

    private static byte[] sequence(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.writeBytes(derLength(content.length));
        out.writeBytes(content);
        return out.toByteArray();
    }

    /**
     * The AlgorithmIdentifier of a SEC 1 ECPrivateKey ({@code SEQUENCE {version, privateKey, [0] curve, [1] public
     * key}}): id-ecPublicKey with the curve that the key's own {@code [0]} names; OpenSSL always writes it.
     */
    private static byte[] ecAlgorithm(byte[] sec1) throws PemException {
        int[] key = tlv(sec1, 0, sec1.length);
        if (key[0] != 0x30) {
            throw new PemException("the EC private key cannot be read (not a SEC 1 ECPrivateKey)");
        }
        for (int at = key[1]; at < key[2]; ) {
            int[] field = tlv(sec1, at, key[2]);
            if (field[0] == 0xa0) {
                int[] curve = tlv(sec1, field[1], field[2]);
                if (curve[0] == 0x06) {
                    ByteArrayOutputStream algorithm = new ByteArrayOutputStream();
                    algorithm.writeBytes(EC_PUBLIC_KEY);
                    algorithm.write(sec1, field[1], curve[2] - field[1]);
                    return sequence(algorithm.toByteArray());
                }
            }
            at = field[2];
        }
        throw new PemException("the EC private key does not name its curve (its parameters are explicit, or left"
                + " out); name it: openssl ec -in KEY -param_enc named_curve -out KEY2");
    }

    /**
     * The DER element at {@code der[at]}, which must end by {@code limit}: its tag, where its content starts and
     * where it ends.
     */
    private static int[] tlv(byte[] der, int at, int limit) throws PemException {
        if (at + 2 > limit) {
            throw new PemException("the private key cannot be read (its DER ends early)");
        }
        int tag = der[at] & 0xff;
        int length = der[at + 1] & 0xff;
        int start = at + 2;
        if (length > 0x80 && length <= 0x83) {
            int bytes = length - 0x80;
            if (start + bytes > limit) {
                throw new PemException("the private key cannot be read (its DER ends early)");
            }
            length = 0;
            for (int i = 0; i < bytes; i++) {
                length = (length << 8) | (der[start + i] & 0xff);
            }
            start += bytes;
        } else if (length >= 0x80) {
            throw new PemException("the private key cannot be read (a DER length it does not take)");
        }
        if (length > limit - start) {
            throw new PemException("the private key cannot be read (its DER ends early)");
        }
        return new int[] {tag, start, start + length};
    }

    private static byte[] derLength(int length) {
        if (length < 0x80) {
            return new byte[] {(byte) length};
        }
        int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
        byte[] out = new byte[bytes + 1];
        out[0] = (byte) (0x80 | bytes);
        for (int i = 0; i < bytes; i++) {
            out[bytes - i] = (byte) (length >>> (8 * i));
        }
        return out;
    }

    /** The blocks of {@code text}, each's base64 decoded; a block that is not base64 is an error. */
    static List<Block> blocks(String text) throws PemException {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String base64 = m.group(2).replaceAll("\\s", "");
            try {
                blocks.add(new Block(m.group(1), Base64.getDecoder().decode(base64)));
            } catch (IllegalArgumentException e) {
                throw new PemException("the '" + m.group(1) + "' block is not base64: " + e.getMessage());
            }
        }
        return blocks;
    }

    record Block(String type, byte[] der) {
    }

    /** PEM text that does not hold what it should; the message says what is wrong. */
    public static final class PemException extends Exception {
        public PemException(String message) {
            super(message);
        }
    }
}
