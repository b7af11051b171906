package shopper_test

import (
	"context"
	"net"
	"testing"

	"github.com/breachdrill/breachdrill/harness/shopper"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A shop that does not answer at all is recorded as unreachable, which a
// report must not pass off as the attack's doing.
func TestProbeUnreachableShop(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	res := shopper.NewProber("http://" + addr).Once(context.Background())
	assert.False(t, res.OK)
	assert.True(t, res.Unreachable, "no HTTP answer: %s", res.Err)
	assert.Zero(t, res.Status)
	assert.Equal(t, "catalogue", res.Stage, "the first request failed")
	assert.Equal(t, "cod", res.Payment, "the first probe pays cash on delivery")
}
