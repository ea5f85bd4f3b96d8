/*
 * mpi_dist.h - the datachunk stage's process layout over MPI.
 *
 * `mpirun -n K strata noise processing prepare-datachunks --mpi ...` starts
 * K processes; each calls noise_mpi_start to learn its rank, computes its
 * share and hands its rows to rank 0 through the callbacks filled here.
 * Built only when CMake finds MPI (STRATA_HAVE_MPI); otherwise
 * noise_mpi_start says so.
 */
#ifndef STRATA_NOISE_MPI_DIST_H
#define STRATA_NOISE_MPI_DIST_H

#include "noise/datachunk_stage.h"

/* Whether this binary was built with MPI. */
int noise_mpi_available(void);

/* MPI_Init, then fill *dist (rank, size, callbacks over MPI_COMM_WORLD). */
int noise_mpi_start(noise_datachunk_dist *dist);

/* MPI_Finalize after a run that went through on this process. */
void noise_mpi_finish(void);

/* MPI_Abort: stop every process after an error on this one. */
void noise_mpi_abort(int status);

#endif
