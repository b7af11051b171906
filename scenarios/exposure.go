package scenarios

import "strings"

// PlantsCode reports whether the scenario's warm-up or injects put code on
// the stack that answers requests or runs in it: a plugin from its
// artifacts (a web shell, a backdoor, a vulnerable plugin), or PHP written
// or appended under the docroot. Such a scenario must only run on a stack whose network is
// sealed (see containers.Isolation), unless the user says otherwise.
func (s *Scenario) PlantsCode() bool {
	// A warm-up installs code as surely as an inject does (a vulnerable
	// plugin the shop already ran).
	for _, st := range append(append([]Step(nil), s.Warmup...), s.Inject...) {
		switch a := st.Do.(type) {
		case *pluginInstall:
			return true
		case *fileWrite:
			if isCode(a.Path) {
				return true
			}
		case *fileAppend:
			if isCode(a.Path) {
				return true
			}
		}
	}
	return false
}

func isCode(path string) bool {
	p := strings.ToLower(path)
	for _, ext := range []string{".php", ".phtml", ".phar", ".htaccess", ".user.ini"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}
