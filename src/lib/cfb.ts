/**
 * The smallest reader of Microsoft's Compound File Binary format (MS-CFB, the OLE2
 * container of .doc, .xls, .msg, .msi…) that can tell a Word document from the rest:
 * file-type only says "cfb", and a spreadsheet renamed .doc is the same container.
 * It reads the directory's names and nothing else, and every loop is bounded by the
 * buffer's size, so a crafted file can neither loop nor allocate much.
 */
const MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const END_OF_CHAIN = 0xfffffffe;
const MAX_REGULAR_SECTOR = 0xfffffffa;
const HEADER_DIFAT_ENTRIES = 109;

export function isCfb(buffer: Buffer): boolean {
  return buffer.length >= 512 && buffer.subarray(0, 8).equals(MAGIC);
}

/**
 * The names of the entries of a CFB directory (streams and storages, any depth), or
 * undefined when the container is malformed.
 */
export function cfbEntryNames(buffer: Buffer): string[] | undefined {
  if (!isCfb(buffer)) return undefined;
  const sectorShift = buffer.readUInt16LE(0x1e);
  if (sectorShift !== 9 && sectorShift !== 12) return undefined;
  const sectorSize = 1 << sectorShift;
  const sectorCount = Math.floor((buffer.length - sectorSize) / sectorSize) + 1;
  const offsetOf = (sector: number) => (sector + 1) * sectorSize;
  const inFile = (sector: number) => sector <= MAX_REGULAR_SECTOR && offsetOf(sector) + sectorSize <= buffer.length;

  // The FAT's own sectors: 109 listed in the header, the rest in a chain of DIFAT sectors.
  const fatSectors: number[] = [];
  for (let i = 0; i < HEADER_DIFAT_ENTRIES; i++) {
    const s = buffer.readUInt32LE(0x4c + i * 4);
    if (s <= MAX_REGULAR_SECTOR) fatSectors.push(s);
  }
  let difat = buffer.readUInt32LE(0x44);
  for (let hops = 0; difat !== END_OF_CHAIN && difat <= MAX_REGULAR_SECTOR; hops++) {
    if (hops > sectorCount || !inFile(difat)) return undefined;
    const base = offsetOf(difat);
    const perSector = sectorSize / 4 - 1;
    for (let i = 0; i < perSector; i++) {
      const s = buffer.readUInt32LE(base + i * 4);
      if (s <= MAX_REGULAR_SECTOR) fatSectors.push(s);
    }
    difat = buffer.readUInt32LE(base + perSector * 4);
  }
  if (fatSectors.length === 0 || fatSectors.length > sectorCount) return undefined;

  const next = (sector: number): number | undefined => {
    const index = sector * 4;
    const fatSector = fatSectors[Math.floor(index / sectorSize)];
    if (fatSector === undefined || !inFile(fatSector)) return undefined;
    return buffer.readUInt32LE(offsetOf(fatSector) + (index % sectorSize));
  };

  const names: string[] = [];
  let sector = buffer.readUInt32LE(0x30);
  for (let hops = 0; sector !== END_OF_CHAIN; hops++) {
    if (hops > sectorCount || !inFile(sector)) return undefined;
    const base = offsetOf(sector);
    for (let entry = 0; entry < sectorSize / 128; entry++) {
      const at = base + entry * 128;
      const type = buffer.readUInt8(at + 0x42);
      if (type === 0) continue; // unused slot
      const nameBytes = buffer.readUInt16LE(at + 0x40);
      if (nameBytes < 2 || nameBytes > 64 || nameBytes % 2 !== 0) return undefined;
      names.push(buffer.toString('utf16le', at, at + nameBytes - 2));
    }
    const following = next(sector);
    if (following === undefined) return undefined;
    sector = following;
  }
  return names;
}

/** A Word 97-2003 document: a CFB container with a "WordDocument" stream (MS-DOC 2.1.1). */
export function isWordCfb(buffer: Buffer): boolean {
  return cfbEntryNames(buffer)?.includes('WordDocument') ?? false;
}
