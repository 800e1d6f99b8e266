import { constants, crc32, deflateRawSync } from "node:zlib";

export interface ZipMember {
	name: string;
	data?: Buffer | string;
	/** Stored (method 0) instead of deflated. */
	stored?: boolean;
	/** A Unix symlink entry: its content is the link target. */
	symlink?: boolean;
	/** Ready-made deflate data and the size the entry claims, for bombs and liars (CRC left at 0). */
	raw?: { deflated: Buffer; size: number };
}

const MIB = 1024 * 1024;
const UNIX = 3;
const MODE_FILE = 0o100644;
const MODE_SYMLINK = 0o120777;
const FLAG_UTF8 = 0x800;
const DOS_DATE_1980 = 0x21;

/**
 * A minimal zip writer for archives the zip CLI will not make: traversal names, symlinks with chosen content,
 * bombs, bytes in front of the archive. Central directory and EOCD as in APPNOTE 4.3; no zip64.
 */
export function zipArchive(members: ZipMember[], prefix: Buffer = Buffer.alloc(0)): Buffer {
	const locals: Buffer[] = [prefix];
	const centrals: Buffer[] = [];
	let offset = 0;
	for (const member of members) {
		const name = Buffer.from(member.name, "utf8");
		const content = Buffer.from(member.data ?? "");
		const method = member.raw ? 8 : member.stored || member.symlink ? 0 : 8;
		const body = member.raw?.deflated ?? (method === 8 ? deflateRawSync(content) : content);
		const size = member.raw?.size ?? content.length;
		const crc = member.raw ? 0 : crc32(content);
		const local = Buffer.alloc(30);
		local.writeUInt32LE(0x04034b50, 0);
		local.writeUInt16LE(20, 4);
		local.writeUInt16LE(FLAG_UTF8, 6);
		local.writeUInt16LE(method, 8);
		local.writeUInt16LE(DOS_DATE_1980, 12);
		local.writeUInt32LE(crc, 14);
		local.writeUInt32LE(body.length, 18);
		local.writeUInt32LE(size, 22);
		local.writeUInt16LE(name.length, 26);
		const central = Buffer.alloc(46);
		central.writeUInt32LE(0x02014b50, 0);
		central.writeUInt16LE((UNIX << 8) | 20, 4);
		central.writeUInt16LE(20, 6);
		central.writeUInt16LE(FLAG_UTF8, 8);
		central.writeUInt16LE(method, 10);
		central.writeUInt16LE(DOS_DATE_1980, 14);
		central.writeUInt32LE(crc, 16);
		central.writeUInt32LE(body.length, 20);
		central.writeUInt32LE(size, 24);
		central.writeUInt16LE(name.length, 28);
		central.writeUInt32LE(((member.symlink ? MODE_SYMLINK : MODE_FILE) << 16) >>> 0, 38);
		central.writeUInt32LE(offset, 42);
		locals.push(local, name, body);
		centrals.push(central, name);
		offset += local.length + name.length + body.length;
	}
	const directory = Buffer.concat(centrals);
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(members.length, 8);
	end.writeUInt16LE(members.length, 10);
	end.writeUInt32LE(directory.length, 12);
	end.writeUInt32LE(offset, 16);
	return Buffer.concat([...locals, directory, end]);
}

/**
 * A raw deflate stream of `mib` MiB of zeros, about 1 KB per MiB: one compressed MiB ending in a full flush
 * (byte-aligned, no back-references across it) repeated, then an empty final block.
 */
export function deflatedZeros(mib: number): Buffer {
	const chunk = deflateRawSync(Buffer.alloc(MIB), { finishFlush: constants.Z_FULL_FLUSH });
	return Buffer.concat([...Array.from({ length: mib }, () => chunk), deflateRawSync(Buffer.alloc(0))]);
}

/** Fixed-Huffman block header with block type 3, which is reserved: inflate fails right there. */
export const INVALID_DEFLATE_BLOCK = Buffer.from([0x07]);

export { MIB };
