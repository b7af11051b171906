package fakedata

import (
	"math"
	"math/bits"
)

// distinctCounter counts distinct values exactly while there are few and
// estimates them (HyperLogLog, about 1% error) past that, so a scan of any
// size needs at most a few megabytes per category.
type distinctCounter struct {
	exact map[uint64]struct{}
	hll   []uint8
}

const (
	exactLimit = 1 << 16
	hllBits    = 14
)

func (d *distinctCounter) add(h uint64) {
	if d.hll != nil {
		d.addHLL(h)
		return
	}
	if d.exact == nil {
		d.exact = map[uint64]struct{}{}
	}
	d.exact[h] = struct{}{}
	if len(d.exact) > exactLimit {
		d.hll = make([]uint8, 1<<hllBits)
		for v := range d.exact {
			d.addHLL(v)
		}
		d.exact = nil
	}
}

func (d *distinctCounter) addHLL(h uint64) {
	idx := h >> (64 - hllBits)
	rank := uint8(bits.LeadingZeros64(h<<hllBits|1<<(hllBits-1))) + 1
	if rank > d.hll[idx] {
		d.hll[idx] = rank
	}
}

func (d *distinctCounter) estimate() int64 {
	if d.hll == nil {
		return int64(len(d.exact))
	}
	m := float64(len(d.hll))
	sum, zeros := 0.0, 0
	for _, r := range d.hll {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(math.Round(e))
}

// hashBytes is FNV-1a with a final mix, whose top bits HyperLogLog needs
// well spread.
func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return splitmix64(h)
}
