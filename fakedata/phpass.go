package fakedata

import (
	"crypto/md5"
	"strings"
)

// phpass's alphabet for its base-64 flavour and for the cost character.
const itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// PortableHash returns the phpass "portable" hash of password with the
// given 6-byte salt and log2 of rounds, as WordPress's PasswordHash writes
// and wp_check_password reads it: "$P$", the cost character, 8 salt
// characters and 22 of hash.
func PortableHash(password string, salt [6]byte, costLog2 int) string {
	setting := make([]byte, 0, 34)
	setting = append(setting, "$P$"...)
	setting = append(setting, itoa64[costLog2])
	setting = encode64(setting, salt[:])
	return cryptPrivate(password, string(setting))
}

// CheckPortableHash reports whether hash is the portable hash of password,
// the way phpass's CheckPassword decides it.
func CheckPortableHash(password, hash string) bool {
	if len(hash) != 34 {
		return false
	}
	return cryptPrivate(password, hash) == hash
}

// cryptPrivate is phpass's crypt_private: md5(salt+password), then the
// digest re-hashed with the password 2^cost times.
func cryptPrivate(password, setting string) string {
	if len(setting) < 12 || (setting[:3] != "$P$" && setting[:3] != "$H$") {
		return "*0"
	}
	cost := strings.IndexByte(itoa64, setting[3])
	if cost < 7 || cost > 30 {
		return "*0"
	}
	salt := setting[4:12]
	buf := make([]byte, 0, md5.Size+len(password))
	sum := md5.Sum(append(append(buf, salt...), password...))
	for n := 1 << cost; n > 0; n-- {
		sum = md5.Sum(append(append(buf[:0], sum[:]...), password...))
	}
	return string(encode64([]byte(setting[:12]), sum[:]))
}

// encode64 is phpass's encode64: little-endian groups of three bytes as
// four characters, the last group shortened.
func encode64(dst, src []byte) []byte {
	for i := 0; i < len(src); {
		v := uint(src[i])
		i++
		dst = append(dst, itoa64[v&0x3f])
		if i < len(src) {
			v |= uint(src[i]) << 8
		}
		dst = append(dst, itoa64[(v>>6)&0x3f])
		if i >= len(src) {
			break
		}
		i++
		if i < len(src) {
			v |= uint(src[i]) << 16
		}
		dst = append(dst, itoa64[(v>>12)&0x3f])
		if i >= len(src) {
			break
		}
		i++
		dst = append(dst, itoa64[(v>>18)&0x3f])
	}
	return dst
}
