// What the batch system asks of a running job, by signal. Handlers only set flags; the
// master polls them (between evaluations results, never blocking for a generation).
//   SIGTERM, SIGUSR1: checkpoint now (mid-generation if need be) and exit 85 ("requeue me").
//                    Slurm sends SIGTERM on preemption and at the time limit; mpirun
//                    forwards both to every rank.
//   SIGUSR2:         checkpoint now and carry on.
// Workers install the same handlers so a forwarded SIGTERM does not kill them before the
// master has written its checkpoint.
#pragma once

namespace evo::common {

void install_signal_handlers();

// The signal number that asked the run to stop (SIGTERM/SIGUSR1), or 0.
int stop_signal();
// True once per SIGUSR2 received.
bool take_checkpoint_request();

// For tests: as if the signal had arrived.
void simulate_signal(int signal_number);

// Ends the process with `exit_code` (_exit: nothing more runs) if it is still alive
// `seconds` from now. For the shutdown after a stop, whose work is done and durable: under
// mpirun a SIGTERM puts the launcher in its teardown, where it no longer answers
// MPI_Finalize, and the ranks would otherwise wait in it for the SIGKILL.
void exit_if_still_running_after(double seconds, int exit_code);

}  // namespace evo::common
