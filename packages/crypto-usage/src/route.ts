import type { CommentStyle } from "./comments.ts";
import { C } from "./lang/c.ts";
import { JAVA_SECURITY, OPENSSL_CNF, SERVER_CONF, SPRING_PROPERTIES, SPRING_YAML, SSH_CONFIG } from "./lang/config.ts";
import { CSHARP } from "./lang/csharp.ts";
import { GO } from "./lang/go.ts";
import { JAVASCRIPT } from "./lang/javascript.ts";
import { JVM } from "./lang/jvm.ts";
import { PHP } from "./lang/php.ts";
import { PYTHON } from "./lang/python.ts";
import { RUBY } from "./lang/ruby.ts";
import { RUST } from "./lang/rust.ts";
import type { Detector } from "./rules.ts";
import type { Language } from "./types.ts";

export interface Route {
	language: Language;
	/** `config`: `#` comments at a line start or after a blank, as in nginx, sshd and properties files. */
	comments: CommentStyle | "config";
	detector: Detector;
}

const code = (language: Language, comments: CommentStyle, detector: Detector): Route => ({
	language,
	comments,
	detector,
});
const config = (detector: Detector): Route => ({ language: "config", comments: "config", detector });

const BY_EXTENSION: Readonly<Record<string, Route>> = {
	java: code("java", "slash", JVM),
	kt: code("kotlin", "slash", JVM),
	kts: code("kotlin", "slash", JVM),
	scala: code("scala", "slash", JVM),
	py: code("python", "hash", PYTHON),
	go: code("go", "slash", GO),
	js: code("javascript", "slash", JAVASCRIPT),
	mjs: code("javascript", "slash", JAVASCRIPT),
	cjs: code("javascript", "slash", JAVASCRIPT),
	jsx: code("javascript", "slash", JAVASCRIPT),
	ts: code("typescript", "slash", JAVASCRIPT),
	tsx: code("typescript", "slash", JAVASCRIPT),
	mts: code("typescript", "slash", JAVASCRIPT),
	cts: code("typescript", "slash", JAVASCRIPT),
	c: code("c", "slash", C),
	h: code("c", "slash", C),
	cc: code("cpp", "slash", C),
	cpp: code("cpp", "slash", C),
	cxx: code("cpp", "slash", C),
	hpp: code("cpp", "slash", C),
	hh: code("cpp", "slash", C),
	hxx: code("cpp", "slash", C),
	cs: code("csharp", "slash", CSHARP),
	php: code("php", "both", PHP),
	rb: code("ruby", "hash", RUBY),
	rs: code("rust", "slash", RUST),
	cnf: config(OPENSSL_CNF),
	security: config(JAVA_SECURITY),
	properties: config(SPRING_PROPERTIES),
	yml: config(SPRING_YAML),
	yaml: config(SPRING_YAML),
};

const BY_NAME: Readonly<Record<string, Route>> = {
	sshd_config: config(SSH_CONFIG),
	ssh_config: config(SSH_CONFIG),
	".htaccess": config(SERVER_CONF),
};

/**
 * The patterns a file is read with, chosen by name and extension alone so that every other file costs nothing.
 * A `.conf` file under an `ssh` directory (`/etc/ssh/sshd_config.d/*.conf`) is OpenSSH's; any other is nginx's
 * or Apache's.
 */
export function route(path: string): Route | undefined {
	const slash = path.lastIndexOf("/");
	const name = path.slice(slash + 1).toLowerCase();
	const byName = BY_NAME[name];
	if (byName) return byName;
	const dot = name.lastIndexOf(".");
	if (dot <= 0 && name !== ".htaccess") return undefined;
	const extension = name.slice(dot + 1);
	if (extension === "conf")
		return /(?:^|\/)[^/]*ssh[^/]*\//i.test(path.slice(0, slash + 1)) ? config(SSH_CONFIG) : config(SERVER_CONF);
	return BY_EXTENSION[extension];
}
