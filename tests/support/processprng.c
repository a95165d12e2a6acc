/* bcryptprimitives.dll for Wine 8, which lacks it: Go's runtime (1.22+) takes its random
   numbers from ProcessPrng. Test harness only; real Windows has the DLL. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
    return BCryptGenRandom(NULL, data, (ULONG)size, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0;
}
