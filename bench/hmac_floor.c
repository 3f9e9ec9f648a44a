/* hmac_floor: the least work a TOTP check can do, to compare pam_totp's instruction count with
 * (issue #7): read one small file, then three HMAC-SHA1 (one step either side of now) with one
 * EVP_MAC context, as a module would on each login. Run under
 *   valgrind --tool=callgrind --toggle-collect=FloorLogin hmac_floor FILE N
 * and divide by N. The key is fixed: only the cost matters, not the codes. */
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Returns a value derived from the MACs so the compiler cannot drop the work; -1 on error. */
__attribute__((noinline)) int FloorLogin(const char* path) {
  char text[4096];
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -1;
  ssize_t n = read(fd, text, sizeof text);
  close(fd);
  if (n <= 0) return -1;
  static const unsigned char kKey[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EVP_MAC* mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX* ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  int result = ctx != NULL ? 0 : -1;
  for (uint64_t step = 0; step < 3 && result >= 0; ++step) {
    unsigned char counter[8] = {0, 0, 0, 0, 0, 0, 0, (unsigned char)(step + (uint64_t)n)};
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t len = 0;
    if (EVP_MAC_init(ctx, kKey, sizeof kKey, params) != 1 ||
        EVP_MAC_update(ctx, counter, sizeof counter) != 1 ||
        EVP_MAC_final(ctx, out, &len, sizeof out) != 1) {
      result = -1;
    } else {
      result += out[len - 1] & 1;
    }
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return result;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: hmac_floor FILE N\n");
    return 2;
  }
  int sum = 0;
  for (long i = 0, n = strtol(argv[2], NULL, 10); i < n; ++i) {
    int r = FloorLogin(argv[1]);
    if (r < 0) {
      fprintf(stderr, "hmac_floor: cannot read %s or compute an HMAC\n", argv[1]);
      return 1;
    }
    sum += r;
  }
  printf("%d\n", sum);
  return 0;
}
