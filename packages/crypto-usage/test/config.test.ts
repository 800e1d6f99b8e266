import { describe, expect, it } from "vitest";
import { detectCryptoUsage } from "../src/index.ts";
import { attributes, identities, lines } from "./helpers.ts";

describe("TLS server and library configuration", () => {
	it("nginx: one finding per listed version, cipher strings as configured", () => {
		const text = lines(
			"server {",
			"    listen 443 ssl;",
			"    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;",
			"    # ssl_protocols SSLv3;",
			"    ssl_ciphers 'HIGH:!aNULL:!MD5:RC4-SHA';",
			"    location /api { proxy_ssl_protocols TLSv1.3; }",
			"}",
		);
		const found = detectCryptoUsage("etc/nginx/nginx.conf", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"3 protocol:tls:1.0",
			"3 protocol:tls:1.1",
			"3 protocol:tls:1.2",
			"5 protocol:tls",
			"6 protocol:tls:1.3",
		]);
		expect(attributes(found, "protocol:tls")).toEqual({
			type: "tls",
			cipherSuites: ["HIGH", "!aNULL", "!MD5", "RC4-SHA"],
			source: "nginx ssl_ciphers",
			evidence: "ssl_ciphers 'HIGH:!aNULL:!MD5:RC4-SHA';",
		});
		expect(attributes(found, "protocol:tls:1.0")).toMatchObject({ version: "1.0", source: "nginx ssl_protocols" });
	});

	it("Apache: mod_ssl's all/+/- arithmetic decides what is enabled", () => {
		const text = lines(
			"<VirtualHost *:443>",
			"  SSLProtocol all -SSLv3 -TLSv1",
			"  SSLProxyProtocol +TLSv1.2 TLSv1.1",
			"  SSLCipherSuite HIGH:MEDIUM:!aNULL:!MD5",
			"  SSLOpenSSLConfCmd MinProtocol TLSv1",
			"</VirtualHost>",
		);
		expect(identities("httpd-ssl.conf", text)).toEqual([
			"2 protocol:tls:1.1",
			"2 protocol:tls:1.2",
			"2 protocol:tls:1.3",
			"3 protocol:tls:1.1",
			"4 protocol:tls",
			"5 protocol:tls:1.0",
		]);
	});

	it("openssl.cnf and my.cnf", () => {
		const text = lines(
			"[system_default_sect]",
			"MinProtocol = TLSv1",
			"CipherString = DEFAULT@SECLEVEL=1",
			"Groups = X25519MLKEM768:X25519:secp384r1",
			"[ req ]",
			"default_bits = 1024",
			"default_md = sha1",
			"[mysqld]",
			"tls_version = TLSv1.1,TLSv1.2",
		);
		expect(identities("/etc/ssl/openssl.cnf", text)).toEqual([
			"2 protocol:tls:1.0",
			"3 protocol:tls",
			"4 algorithm:X25519MLKEM768:768",
			"4 algorithm:X25519",
			"4 algorithm:ECDH:P-384",
			"6 algorithm:RSA:1024",
			"7 algorithm:SHA-1",
			"9 protocol:tls:1.1",
			"9 protocol:tls:1.2",
		]);
	});

	it("java.security: legacy versions and ciphers left out of the disabled lists stay enabled", () => {
		const text = lines(
			"security.provider.1=org.bouncycastle.jce.provider.BouncyCastleProvider",
			"jdk.tls.disabledAlgorithms=SSLv3, RC4, DES, \\",
			"    MD5withRSA, DH keySize < 1024, EC keySize < 224, 3DES_EDE_CBC, anon, NULL",
			"jdk.certpath.disabledAlgorithms=MD2, SHA1 jdkCA & usage TLSServer, RSA keySize < 1024",
		);
		const found = detectCryptoUsage("jdk/conf/security/java.security", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 library:bouncycastle",
			"2 protocol:tls:1.0",
			"2 protocol:tls:1.1",
			"4 algorithm:MD5",
		]);
		expect(attributes(found, "protocol:tls:1.0").source).toBe("java.security jdk.tls.disabledAlgorithms");
		const hardened = "jdk.tls.disabledAlgorithms=SSLv3, TLSv1, TLSv1.1, RC4, DES, 3DES_EDE_CBC\n";
		expect(detectCryptoUsage("java.security", hardened)).toEqual([]);
	});

	it("sshd_config: algorithms per directive, and the directive as an SSH protocol setting", () => {
		const text = lines(
			"# Ciphers aes256-gcm@openssh.com",
			"Protocol 2",
			"Ciphers aes128-ctr,3des-cbc,arcfour,chacha20-poly1305@openssh.com",
			"KexAlgorithms diffie-hellman-group1-sha1,curve25519-sha256,mlkem768x25519-sha256,sntrup761x25519-sha512@openssh.com",
			"MACs hmac-md5,hmac-sha2-256-etm@openssh.com,-hmac-sha1",
			"HostKeyAlgorithms +ssh-rsa,ssh-ed25519",
		);
		const found = detectCryptoUsage("/etc/ssh/sshd_config", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"2 protocol:ssh:2",
			"3 algorithm:AES:ctr:128",
			"3 algorithm:3DES:cbc",
			"3 algorithm:RC4",
			"3 algorithm:ChaCha20-Poly1305",
			"3 protocol:ssh:2",
			"4 algorithm:DH:SHA-1:1024",
			"4 algorithm:X25519:SHA-256",
			"4 algorithm:X25519MLKEM768:768",
			"4 algorithm:sntrup761x25519",
			"4 protocol:ssh:2",
			"5 algorithm:HMAC:MD5",
			"5 algorithm:HMAC:SHA-256",
			"5 protocol:ssh:2",
			"6 algorithm:RSA:pkcs1v15:SHA-1",
			"6 algorithm:Ed25519",
		]);
		expect(found.find((d) => d.line === 3 && d.kind === "protocol")?.crypto.protocol).toMatchObject({
			type: "ssh",
			cipherSuites: ["aes128-ctr", "3des-cbc", "arcfour", "chacha20-poly1305@openssh.com"],
			source: "ssh_config Ciphers",
		});
		expect(identities("/etc/ssh/sshd_config.d/10-legacy.conf", "Ciphers 3des-cbc\n")).toEqual([
			"1 algorithm:3DES:cbc",
			"1 protocol:ssh:2",
		]);
	});

	it("Spring Boot properties and YAML, Kafka-style keys included", () => {
		const properties = lines(
			"server.ssl.enabled-protocols=TLSv1,TLSv1.1,TLSv1.2",
			"server.ssl.ciphers=TLS_RSA_WITH_3DES_EDE_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
			"server.ssl.key-store-password=changeit",
			"spring.kafka.properties.ssl.enabled.protocols=TLSv1.3",
		);
		const found = detectCryptoUsage("src/main/resources/application.properties", properties);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 protocol:tls:1.0",
			"1 protocol:tls:1.1",
			"1 protocol:tls:1.2",
			"2 protocol:tls",
			"4 protocol:tls:1.3",
		]);
		expect(JSON.stringify(found)).not.toContain("changeit");
		const yaml = lines(
			"server:",
			"  port: 8443",
			"  ssl:",
			"    enabled-protocols:",
			"      - TLSv1",
			"      - TLSv1.2",
			"    ciphers: TLS_RSA_WITH_RC4_128_SHA",
			"spring:",
			"  ssl:",
			"    bundle:",
			"      jks:",
			"        web:",
			"          options:",
			"            enabled-protocols: [TLSv1.1, TLSv1.3]",
		);
		expect(identities("application-prod.yml", yaml)).toEqual([
			"5 protocol:tls:1.0",
			"6 protocol:tls:1.2",
			"7 protocol:tls",
			"14 protocol:tls:1.1",
			"14 protocol:tls:1.3",
		]);
	});
});
