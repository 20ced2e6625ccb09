# Included by tests/CMakeLists.txt: the MPI tests and the rank counts they run at.
evo_add_mpi_test(dispatch_test RANKS 1 2 4)
