package fakedata

import (
	"math/rand/v2"

	"github.com/brianvoe/gofakeit/v7"
)

// Kinds of record. Each kind has its own family of random streams, so that
// customer 7 and order 7 do not share their randomness, and adding a draw to
// one kind never shifts another.
const (
	kindCustomer uint64 = iota + 1
	kindCards
	kindOrder
	kindProduct
	kindCanary
)

// splitmix64 scrambles x; it spreads seeds that differ in one bit over
// unrelated PCG states.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// stream is the random source of one record. gofakeit.New would treat seed
// 0 as "random": the PCG is built here so that every seed is reproducible.
func stream(seed, kind uint64, index int) *gofakeit.Faker {
	hi := splitmix64(seed ^ splitmix64(kind))
	lo := splitmix64(uint64(index) ^ kind<<56)
	return gofakeit.NewFaker(rand.NewPCG(hi, lo), false)
}

// pick returns one element of list.
func pick[T any](f *gofakeit.Faker, list []T) T { return list[f.IntN(len(list))] }

// chance is true with probability percent/100.
func chance(f *gofakeit.Faker, percent int) bool { return f.IntN(100) < percent }

// weighted is a categorical distribution: draw returns index i with
// probability w[i]/sum(w).
type weighted []int

func (w weighted) draw(f *gofakeit.Faker) int {
	total := 0
	for _, x := range w {
		total += x
	}
	r := f.IntN(total)
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

// between returns an int in [lo, hi].
func between(f *gofakeit.Faker, lo, hi int) int { return lo + f.IntN(hi-lo+1) }

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomText returns n characters of alphabet.
func randomText(f *gofakeit.Faker, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[f.IntN(len(alphabet))]
	}
	return string(b)
}
