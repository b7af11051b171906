package reports

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// A bundle's zip is canonical: entries in name order under one top-level
// folder, no folder entries, one fixed timestamp, mode 0644, no comments,
// and nothing in the file but the entries and the central directory. The
// hashes and the signature cover the contents only; without this check,
// a zip re-made with other metadata, or with bytes hidden after its end
// record or between its entries, would verify like the original.

// zipStamp is every entry's modification time.
var zipStamp = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// zipFiles writes files as a canonical zip under the folder base.
func zipFiles(w io.Writer, base string, files []File) error {
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	zw := zip.NewWriter(w)
	for _, f := range sorted {
		h := &zip.FileHeader{Name: base + "/" + f.Name, Method: zip.Deflate, Modified: zipStamp}
		h.SetMode(bundleFileMode)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.Data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// stampExtra is the one extra field an entry has: the extended timestamp
// (0x5455, 5 bytes: flags "mtime set", zipStamp in Unix seconds).
var stampExtra = binary.LittleEndian.AppendUint32([]byte{0x55, 0x54, 5, 0, 1}, uint32(zipStamp.Unix()))

const (
	localHeaderLen = 30
	eocdLen        = 22
	descriptorLen  = 16 // signature, CRC-32, 32-bit sizes
)

// zipContainerProblems checks that data, read as zr, is laid out exactly
// as zipFiles lays a zip out.
func zipContainerProblems(data []byte, zr *zip.Reader) []Problem {
	var out []Problem
	bad := func(format string, args ...any) {
		out = append(out, Problem{File: "(zip)", Reason: "not a canonical bundle zip: " + fmt.Sprintf(format, args...)})
	}
	if zr.Comment != "" {
		bad("archive comment")
	}
	// The end record is the last 22 bytes: no comment, nothing after it.
	if len(data) < eocdLen || !bytes.Equal(data[len(data)-eocdLen:len(data)-eocdLen+4], []byte("PK\x05\x06")) {
		bad("bytes after the end record")
		return out
	}
	eocd := data[len(data)-eocdLen:]
	cdSize := int64(binary.LittleEndian.Uint32(eocd[12:]))
	cdOffset := int64(binary.LittleEndian.Uint32(eocd[16:]))
	if cdOffset+cdSize != int64(len(data)-eocdLen) {
		bad("bytes between the central directory and the end record")
	}

	prefix := ""
	pos := int64(0)
	for i, f := range zr.File {
		top, _, ok := strings.Cut(f.Name, "/")
		switch {
		case !ok || strings.HasSuffix(f.Name, "/"):
			bad("entry %q is not a file under the bundle's folder", f.Name)
		case i == 0:
			prefix = top + "/"
		case !strings.HasPrefix(f.Name, prefix):
			bad("entry %q is outside %s", f.Name, prefix)
		}
		if i > 0 && f.Name <= zr.File[i-1].Name {
			bad("entries out of order at %q", f.Name)
		}
		if !f.Modified.Equal(zipStamp) {
			bad("entry %q has time %s, want %s", f.Name, f.Modified.UTC().Format(time.RFC3339), zipStamp.Format(time.RFC3339))
		}
		if f.Mode().Perm() != bundleFileMode || !f.Mode().IsRegular() {
			bad("entry %q has mode %s", f.Name, f.Mode())
		}
		if f.Method != zip.Deflate {
			bad("entry %q is not deflated", f.Name)
		}
		if f.Comment != "" {
			bad("entry %q has a comment", f.Name)
		}
		if !bytes.Equal(f.Extra, stampExtra) {
			bad("entry %q has extra fields other than its timestamp", f.Name)
		}
		if f.Flags&^0x800 != 0x8 || f.CreatorVersion>>8 != 3 {
			bad("entry %q was not written by breachdrill (flags %#x, creator %#x)", f.Name, f.Flags, f.CreatorVersion)
		}
		// Entries follow one another with nothing in between.
		if pos+localHeaderLen > int64(len(data)) || !bytes.Equal(data[pos:pos+4], []byte("PK\x03\x04")) {
			bad("bytes before entry %q", f.Name)
			return out
		}
		nameLen := int64(binary.LittleEndian.Uint16(data[pos+26:]))
		extraLen := int64(binary.LittleEndian.Uint16(data[pos+28:]))
		dataAt, err := f.DataOffset()
		if err != nil || dataAt != pos+localHeaderLen+nameLen+extraLen {
			bad("entry %q does not start where the one before ended", f.Name)
			return out
		}
		pos = dataAt + int64(f.CompressedSize64)
		if f.Flags&0x8 != 0 {
			pos += descriptorLen
		}
	}
	if pos != cdOffset {
		bad("%d bytes between the last entry and the central directory", cdOffset-pos)
	}
	return out
}
