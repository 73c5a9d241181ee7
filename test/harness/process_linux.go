package harness

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal has the kernel kill the child when the test process dies without
// running its cleanups (a panic, a go test -timeout), so no coredns keeps a port busy.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
