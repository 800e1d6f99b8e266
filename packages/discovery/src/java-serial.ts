/**
 * Walks a Java serialization stream (Java Object Serialization Specification, chapter 6) to find where it
 * ends, without constructing anything: JCEKS stores secret keys as serialised `SealedObject`s, and the entries
 * after one can only be found by skipping it exactly. String field values are collected along the way, which
 * is how the sealing algorithm is read.
 */

const STREAM_MAGIC = 0xaced;
const STREAM_VERSION = 5;
const BASE_HANDLE = 0x7e0000;

const TC = {
	null: 0x70,
	reference: 0x71,
	classDesc: 0x72,
	object: 0x73,
	string: 0x74,
	array: 0x75,
	class: 0x76,
	blockData: 0x77,
	endBlockData: 0x78,
	reset: 0x79,
	blockDataLong: 0x7a,
	longString: 0x7c,
	proxyClassDesc: 0x7d,
	enum: 0x7e,
} as const;

const SC_WRITE_METHOD = 0x01;
const SC_SERIALIZABLE = 0x02;
const SC_EXTERNALIZABLE = 0x04;
const SC_BLOCK_DATA = 0x08;

const PRIMITIVE_SIZES: Readonly<Record<string, number>> = { B: 1, C: 2, D: 8, F: 4, I: 4, J: 8, S: 2, Z: 1 };

/** Nesting and element bounds: a hostile stream must fail fast, not exhaust the stack or spin. */
const MAX_DEPTH = 64;
const MAX_STEPS = 100_000;

interface ClassDesc {
	name: string;
	flags: number;
	fields: { type: string; name: string }[];
	superclass: ClassDesc | null;
}

class Reader {
	private readonly handles: unknown[] = [];
	private steps = 0;
	readonly strings = new Map<string, string>();

	constructor(
		private readonly bytes: Buffer,
		public pos: number,
	) {}

	private take(length: number): number {
		const at = this.pos;
		if (length < 0 || at + length > this.bytes.length) throw new Error("serialization stream is truncated");
		this.pos += length;
		return at;
	}

	u8(): number {
		return this.bytes[this.take(1)] as number;
	}

	u16(): number {
		return this.bytes.readUInt16BE(this.take(2));
	}

	u32(): number {
		return this.bytes.readUInt32BE(this.take(4));
	}

	utf(length: number): string {
		const at = this.take(length);
		return this.bytes.subarray(at, at + length).toString("utf8");
	}

	private step(depth: number): void {
		if (depth > MAX_DEPTH || ++this.steps > MAX_STEPS) throw new Error("serialization stream is too complex");
	}

	private handle(value: unknown): void {
		this.handles.push(value);
	}

	private referenced(): unknown {
		const index = this.u32() - BASE_HANDLE;
		if (index < 0 || index >= this.handles.length) throw new Error("serialization reference out of range");
		return this.handles[index];
	}

	/** One content element; returns strings and class descriptors, which later elements refer to. */
	content(depth: number): unknown {
		this.step(depth);
		const tag = this.u8();
		switch (tag) {
			case TC.null:
				return null;
			case TC.reference:
				return this.referenced();
			case TC.classDesc:
			case TC.proxyClassDesc:
				return this.classDescBody(tag, depth);
			case TC.string:
			case TC.longString: {
				const length = tag === TC.string ? this.u16() : Number(this.bytes.readBigUInt64BE(this.take(8)));
				const value = this.utf(length);
				this.handle(value);
				return value;
			}
			case TC.object:
				return this.object(depth);
			case TC.array:
				return this.array(depth);
			case TC.class: {
				const desc = this.classDesc(depth);
				this.handle(desc);
				return desc;
			}
			case TC.enum: {
				this.classDesc(depth);
				this.handle(null);
				this.content(depth + 1);
				return null;
			}
			case TC.blockData:
				this.take(this.u8());
				return undefined;
			case TC.blockDataLong:
				this.take(this.u32());
				return undefined;
			case TC.reset:
				this.handles.length = 0;
				return undefined;
			default:
				throw new Error(`unsupported serialization tag 0x${tag.toString(16)}`);
		}
	}

	private classDesc(depth: number): ClassDesc | null {
		const value = this.content(depth + 1);
		if (value === null || isClassDesc(value)) return value;
		throw new Error("expected a class descriptor");
	}

	private classDescBody(tag: number, depth: number): ClassDesc {
		const desc: ClassDesc = { name: "", flags: 0, fields: [], superclass: null };
		if (tag === TC.classDesc) {
			desc.name = this.utf(this.u16());
			this.take(8);
			this.handle(desc);
			desc.flags = this.u8();
			const count = this.u16();
			for (let i = 0; i < count; i++) {
				const type = String.fromCharCode(this.u8());
				const name = this.utf(this.u16());
				if (type === "L" || type === "[") this.content(depth + 1);
				desc.fields.push({ type, name });
			}
		} else {
			this.handle(desc);
			const interfaces = this.u32();
			for (let i = 0; i < interfaces; i++) this.utf(this.u16());
		}
		this.annotation(depth);
		desc.superclass = this.classDesc(depth);
		return desc;
	}

	private annotation(depth: number): void {
		while (this.bytes[this.pos] !== TC.endBlockData) this.content(depth + 1);
		this.take(1);
	}

	private object(depth: number): null {
		const desc = this.classDesc(depth);
		this.handle(null);
		const chain: ClassDesc[] = [];
		for (let at = desc; at; at = at.superclass) chain.unshift(at);
		for (const cls of chain) {
			if (cls.flags & SC_EXTERNALIZABLE) {
				// Protocol 1 externalizable data has no framing, so its end cannot be found.
				if (!(cls.flags & SC_BLOCK_DATA)) throw new Error("unframed externalizable data");
				this.annotation(depth);
				continue;
			}
			if (cls.flags & SC_SERIALIZABLE) {
				for (const { type, name } of cls.fields) {
					const size = PRIMITIVE_SIZES[type];
					if (size !== undefined) this.take(size);
					else {
						const value = this.content(depth + 1);
						if (typeof value === "string") this.strings.set(name, value);
					}
				}
			}
			if (cls.flags & SC_WRITE_METHOD) this.annotation(depth);
		}
		return null;
	}

	private array(depth: number): null {
		const desc = this.classDesc(depth);
		this.handle(null);
		const length = this.u32();
		const element = desc?.name[1] ?? "L";
		const size = PRIMITIVE_SIZES[element];
		if (size !== undefined) this.take(length * size);
		else for (let i = 0; i < length; i++) this.content(depth + 1);
		return null;
	}
}

function isClassDesc(value: unknown): value is ClassDesc {
	return typeof value === "object" && value !== null && "fields" in value;
}

/** Where the serialised object starting at `offset` ends, and its string fields by name; throws when malformed. */
export function skipSerializedObject(bytes: Buffer, offset: number): { end: number; strings: Map<string, string> } {
	const reader = new Reader(bytes, offset);
	if (reader.u16() !== STREAM_MAGIC || reader.u16() !== STREAM_VERSION) throw new Error("not a serialization stream");
	reader.content(0);
	return { end: reader.pos, strings: reader.strings };
}
