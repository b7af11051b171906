package detect_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness/detect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fimRules are one rule per kind of change TestFileIntegrityFindsEveryChange
// makes, so that each shows as its own alert.
var fimRules = []struct{ name, id, action, field string }{
	{"t-created", "d9baa670-ab19-4254-8753-a8716e1801fa", "created", "endswith: /wp-content/uploads/bd-fim/new.php"},
	{"t-modified", "034cdca2-1767-4047-8776-8b240eb22da6", "modified", "endswith: /wp-content/plugins/akismet/akismet.php"},
	{"t-deleted", "850e7fb4-39e5-470d-8cc6-381501affcc5", "deleted", "endswith: /wp-content/plugins/akismet/readme.txt"},
	{"t-hidden", "cdbd4389-6a15-4836-8783-d85af3cfa5a3", "deleted", "contains: /wp-content/themes/twentytwentyfive/patterns/"},
	{"t-replaced", "a5e2bbd9-9a85-4c0e-b156-3e90da6fe514", "created", "endswith: /wp-content/themes/twentytwentyfive/patterns/other.html"},
}

func fimPack(t testing.TB) *detect.Pack {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, r := range fimRules {
		fsys[r.name+".yml"] = &fstest.MapFile{Data: []byte(fmt.Sprintf(`title: %s
name: %s
id: %s
status: test
logsource:
  category: file_event
  product: wordpress
detection:
  selection:
    Action: %s
    TargetFilename|%s
  condition: selection
level: low
`, r.name, r.name, r.id, r.action, r.field))}
	}
	p, err := detect.LoadPack(fsys)
	require.NoError(t, err)
	return p
}

// File integrity sees every kind of change the same way whether it learns
// of them from the web container's writable layer or by listing the whole
// docroot: a new file in a new folder, a changed file and a deleted file
// of the image, and a folder of the image deleted and made again, whose
// old files the layer hides without a whiteout for each.
func (s *stackSuite) TestFileIntegrityFindsEveryChange() {
	_, layerErr := s.Stack.DocRootLayer(context.Background())
	for _, tt := range []struct {
		name string
		opts []detect.Option
		want string
	}{
		{"writable layer", nil, "writable layer"},
		{"listing", []detect.Option{detect.WithFileListing()}, "listing"},
	} {
		s.Run(tt.name, func() {
			t := s.T()
			want := tt.want
			if layerErr != nil {
				t.Logf("the writable layer cannot be read here, so file integrity lists: %v", layerErr)
				want = "listing"
			}
			e, tl := s.run(fimPack(t), tt.opts...)
			assert.Equal(t, want, e.FileWatch(), "how file integrity finds changes")
			script := strings.Join([]string{
				"cd " + containers.DocRoot,
				"mkdir -p wp-content/uploads/bd-fim",
				"echo '<?php' > wp-content/uploads/bd-fim/new.php",
				"echo '// changed' >> wp-content/plugins/akismet/akismet.php",
				"rm wp-content/plugins/akismet/readme.txt",
				"rm -rf wp-content/themes/twentytwentyfive/patterns",
				"mkdir wp-content/themes/twentytwentyfive/patterns",
				"echo '<p>x</p>' > wp-content/themes/twentytwentyfive/patterns/other.html",
			}, " && ")
			_, err := s.Stack.Exec(context.Background(), containers.ServiceWP, []string{"sh", "-c", script})
			require.NoError(t, err, "change the docroot")
			var ids []string
			for _, r := range fimRules {
				ids = append(ids, r.name)
			}
			waitAlerts(t, tl, 30*time.Second, ids...)
		})
	}
}
