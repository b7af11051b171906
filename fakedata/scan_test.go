package fakedata

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScanCategories(t *testing.T) {
	bcrypt := "$2y$10$" + strings.Repeat("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0", 1)
	for _, tc := range []struct {
		in   string
		want map[Category]int64
	}{
		{"mail jane.doe12@example.com now", map[Category]int64{Email: 1}},
		{`'JANE@Example.ORG'`, map[Category]int64{Email: 1}},
		{"GET /?email=jane%40example.net&x=1", map[Category]int64{Email: 1}},
		{"a@b x@localhost @example.com user@ name@host.c", nil},
		{"(212) 555-0147", map[Category]int64{Phone: 1}},
		{"tel: 212-555-0147.", map[Category]int64{Phone: 1}},
		{"+1 212-555-0147", map[Category]int64{Phone: 1}},
		{"07700 900123", map[Category]int64{Phone: 1}},
		{"+44 7700 900123", map[Category]int64{Phone: 1}},
		{"0113 496 0123", map[Category]int64{Phone: 1}},
		{"020 7946 0123", map[Category]int64{Phone: 1}},
		{"02 5550 1234", map[Category]int64{Phone: 1}},
		{"+61 2 5550 1234", map[Category]int64{Phone: 1}},
		{"POST billing_phone=07700+900123&x=1", map[Category]int64{Phone: 1}},
		{"2024-07-07 09:56:37 192.0.2.55 198.51.100.23 123.45000000 1735689600 order-jul-01-2024-1255-am v1.2.3 id 1234567", nil},
		{"4111111111111111", map[Category]int64{CardNumber: 1}},
		{"card 4111 1111 1111 1111 exp", map[Category]int64{CardNumber: 1}},
		{"4111-1111-1111-1111", map[Category]int64{CardNumber: 1}},
		{"3782 822463 10005", map[Category]int64{CardNumber: 1}},
		{"4111111111111112 1234567812345670 abc4111111111111111", nil},
		{"$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", map[Category]int64{PasswordHash: 1}},
		{bcrypt, map[Category]int64{PasswordHash: 1}},
		{"$wp" + bcrypt, map[Category]int64{PasswordHash: 1}},
		{"$argon2id$v=19$m=65536,t=4,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", map[Category]int64{PasswordHash: 1}},
		{"costs $25.00, $P$short", nil},
		{"12 Amber Lane", map[Category]int64{StreetAddress: 1}},
		{"'240 Quince Grove Terrace'", map[Category]int64{StreetAddress: 1}},
		{"1 Infinite Loop; In 2024 Sales Grew", nil},
	} {
		t.Run(tc.in, func(t *testing.T) {
			rep := NewScanner(nil).ScanBytes([]byte(tc.in))
			for c := range numCategories {
				assert.Equal(t, tc.want[c], rep.Count(c), "%s found in %q", c, tc.in)
			}
		})
	}
}

func TestScanFindsCanaries(t *testing.T) {
	d := mustNew(t, Spec{Seed: 3, Customers: 300})
	cs := d.Canaries()
	sc := NewScanner(cs)
	for _, tc := range []struct {
		name, in string
		known    bool
	}{
		{"by e-mail", "to: " + cs[0].Email, true},
		{"by address line", "ship to " + strings.ToUpper(cs[0].AddressLine), true},
		{"by phone alone", "call " + cs[0].Phone, true},
		{"by phone in another format", "call (" + cs[0].Phone[3:6] + ") " + cs[0].Phone[7:], true},
		{"a marker in no manifest", "canary-0123456789ab@example.org", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := sc.ScanBytes([]byte(tc.in))
			require.Equal(t, 1, rep.Subjects, "%q: want one subject: %+v", tc.in, rep)
			require.Len(t, rep.Canaries, 1, "%q: want one canary: %+v", tc.in, rep)
			require.Equal(t, tc.known, rep.Canaries[0].Known, "%q: whether the canary is in the manifest", tc.in)
			if tc.known {
				assert.Equal(t, cs[0].UserID, rep.Canaries[0].Canary.UserID, "the canary found must be the planted user's")
			}
		})
	}
	rep := sc.ScanBytes([]byte("canary-0123456789abc canary-xyz mycanary-0123456789ab"))
	assert.Zero(t, rep.Subjects, "near-markers must not count as canaries: %+v", rep.Canaries)
}

// plantedCorpus is filler text with a personal-data item every step
// bytes, so that items straddle every chunk border wherever it falls.
func plantedCorpus(size, step int) (data []byte, items int) {
	pii := []string{"jane.doe%d@example.com", "+44 7700 900%03d", "%d Amber Lane", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "4111 1111 1111 1111"}
	filler := []byte("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ")
	var b bytes.Buffer
	for b.Len() < size {
		next := (b.Len()/step + 1) * step
		for b.Len() < next {
			b.Write(filler[:min(len(filler), next-b.Len())])
		}
		p := pii[items%len(pii)]
		if strings.Contains(p, "%") {
			p = fmt.Sprintf(p, items%1000)
		}
		b.WriteString(" " + p + " ")
		items++
	}
	return b.Bytes(), items
}

func TestScanAcrossChunkBorders(t *testing.T) {
	data, items := plantedCorpus(3*scanChunk+12345, 61)
	whole := NewScanner(nil).ScanBytes(data)
	var found int64
	for c := range numCategories {
		found += whole.Count(c)
	}
	require.Equal(t, int64(items), found, "ScanBytes must find every planted item: %+v", whole.Categories)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	for _, tc := range []struct {
		name  string
		r     io.Reader
		chunk int
		gzip  bool
	}{
		{"1 MiB chunks", bytes.NewReader(data), scanChunk, false},
		{"short reads", iotest.HalfReader(bytes.NewReader(data)), scanChunk, false},
		{"gzip", bytes.NewReader(gz.Bytes()), scanChunk, true},
		{"1000-byte chunks", bytes.NewReader(data), 1000, false},
		{"4099-byte chunks", bytes.NewReader(data), 4099, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := NewScanner(nil).scanStream(context.Background(), tc.r, tc.chunk)
			require.NoError(t, err, "scan the stream")
			assert.Equal(t, fmt.Sprint(whole.Categories), fmt.Sprint(rep.Categories), "a streamed scan must count what a whole scan counts")
			assert.Equal(t, int64(len(data)), rep.Bytes, "bytes scanned")
			assert.Equal(t, tc.gzip, rep.Gzip, "gzip detected")
		})
	}
}

func TestScanFindsNothingInTextWithoutPersonalData(t *testing.T) {
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, "2025-03-%02d 10:22:%02d GET /wp-admin/admin-ajax.php?action=heartbeat&_=%d 200 %d 0.0%d rev %x v6.1.%d\n",
			1+i%28, i%60, 1735689600000+int64(i), 512+i, i%9, i*7919, i%10)
		b.WriteString("Lorem ipsum dolor sit amet, price $25.00 (incl. 20% VAT), 3 items - order #10042.\n")
	}
	rep := NewScanner(nil).ScanBytes([]byte(b.String()))
	assert.Zero(t, rep.Records, "records found in an access log without personal data: %+v", rep)
	assert.Zero(t, rep.Subjects, "subjects found in an access log without personal data: %+v", rep)
}

// A scan of 1 GiB keeps its memory bounded: the stream is never held whole.
func TestScanGigabyteInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("scans 1 GiB")
	}
	block, items := plantedCorpus(1<<20, 997)
	const size = 1 << 30
	r := io.LimitReader(&repeatReader{block: block}, size)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rep, err := NewScanner(nil).Scan(context.Background(), r)
	require.NoError(t, err, "scan 1 GiB")
	runtime.ReadMemStats(&after)
	assert.Equal(t, int64(size), rep.Bytes, "bytes scanned")
	var found int64
	for c := range numCategories {
		found += rep.Count(c)
	}
	assert.GreaterOrEqual(t, found, int64(items)*(size/int64(len(block))), "items found in 1 GiB of planted blocks")
	alloc := after.TotalAlloc - before.TotalAlloc
	assert.LessOrEqual(t, alloc, uint64(64<<20), "a 1 GiB scan allocated %d MiB, want at most 64", alloc>>20)
}

type repeatReader struct {
	block []byte
	off   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.block[r.off:])
	r.off = (r.off + n) % len(r.block)
	return n, nil
}

// dumpCorpus is a dataset written as mysqldump writes tables: long
// INSERT statements of quoted values.
func dumpCorpus(b *testing.B, size int) []byte {
	d := mustNew(b, Spec{Seed: 1, Customers: 5000, Orders: 20000})
	var out bytes.Buffer
	_, err := d.WriteTSV(context.Background(), func(table string, _ int, _ int64, data []byte) error {
		for len(data) > 0 && out.Len() < size {
			line, rest, _ := bytes.Cut(data, []byte{'\n'})
			data = rest
			out.WriteString("INSERT INTO `wp_" + table + "` VALUES ('")
			out.Write(bytes.ReplaceAll(line, []byte{'\t'}, []byte("','")))
			out.WriteString("');\n")
		}
		return nil
	})
	require.NoError(b, err, "write the dataset as TSV")
	return out.Bytes()
}

// BenchmarkScan measures the scanner on one core over a SQL dump of a
// seeded shop (target: at least 200 MB/s).
func BenchmarkScan(b *testing.B) {
	data := dumpCorpus(b, 64<<20)
	sc := NewScanner(mustNew(b, Spec{Seed: 1, Customers: 5000}).Canaries())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		_, err := sc.Scan(context.Background(), bytes.NewReader(data))
		require.NoError(b, err, "scan the dump")
	}
}

// BenchmarkScanGzip is the same dump gzipped: decompression included.
func BenchmarkScanGzip(b *testing.B) {
	data := dumpCorpus(b, 64<<20)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	sc := NewScanner(nil)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		_, err := sc.Scan(context.Background(), bytes.NewReader(gz.Bytes()))
		require.NoError(b, err, "scan the gzipped dump")
	}
}
