package containers

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

// readinessPoll is how often a starting container is probed.
const readinessPoll = 100 * time.Millisecond

// dbReady waits until a query succeeds through the database container's
// published port; unlike a log-line wait it works for both image sources.
// connect builds the driver configuration for an address.
func dbReady(timeout time.Duration, connect func(addr string) *mysql.Config) wait.Strategy {
	return readiness(timeout, wait.ForSQL("3306/tcp", quietMySQL, func(_ string, port network.Port) string {
		return connect(net.JoinHostPort("127.0.0.1", port.Port())).FormatDSN()
	}).WithPollInterval(readinessPoll))
}

// webReady waits until GET path answers 200 through the web container's
// published port (testcontainers' client follows redirects, which
// install.php does not send).
func webReady(timeout time.Duration, path string) wait.Strategy {
	return readiness(timeout, wait.ForHTTP(path).
		WithPort("80/tcp").
		WithStatusCodeMatcher(func(status int) bool { return status == http.StatusOK }).
		WithPollInterval(readinessPoll))
}

// readiness bounds strategies by the start timeout and points them at
// 127.0.0.1. testcontainers' strategies already fail at once, with the exit
// code, when the container stops, and fail after the timeout; the error
// says what was awaited. They keep no last probe error: the caller adds the
// container's log tail, where the cause shows.
func readiness(timeout time.Duration, strategies ...wait.Strategy) wait.Strategy {
	return loopback{wait.ForAll(strategies...).WithStartupTimeoutDefault(timeout).WithDeadline(timeout), timeout}
}

// loopback runs a strategy against the loopback address: ports are
// published on 127.0.0.1 only (loopbackOnly), while testcontainers would
// use the engine's host, which inside a container is the bridge gateway.
type loopback struct {
	strategy *wait.MultiStrategy
	timeout  time.Duration
}

func (l loopback) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	if err := l.strategy.WaitUntilReady(ctx, loopbackTarget{target}); err != nil {
		return fmt.Errorf("%s (within %s): %w", l.strategy, l.timeout, err)
	}
	return nil
}

func (l loopback) String() string { return l.strategy.String() + " on 127.0.0.1" }

type loopbackTarget struct{ wait.StrategyTarget }

func (loopbackTarget) Host(context.Context) (string, error) { return "127.0.0.1", nil }

// quietMySQL is the MySQL driver with its logger silenced: while the
// database starts, the readiness wait sees connections dropped by design
// (ForSQL opens its handle by driver name, so the quiet logger has to come
// with a driver).
const quietMySQL = "breachdrill-mysql-quiet"

func init() { sql.Register(quietMySQL, quietDriver{}) }

type quietDriver struct{}

func (d quietDriver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

func (quietDriver) OpenConnector(dsn string) (driver.Connector, error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c.Logger = quietLogger{}
	return mysql.NewConnector(c)
}
