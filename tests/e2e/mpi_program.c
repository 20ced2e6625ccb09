/* A fitness program that is an MPI program itself, for tests/e2e/command_test.sh: it starts
 * as a singleton (MPI_Init without mpirun) and prints the size of its MPI_COMM_WORLD, which
 * must be 1. Had it inherited the worker rank's OMPI_* / PMIX_* variables, MPI_Init would
 * try to join the worker's job and fail. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char** argv) {
  int size = 0;
  MPI_Init(&argc, &argv);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  printf("%d\n", size);
  MPI_Finalize();
  return 0;
}
