// pam_try: runs one PAM authentication through the real libpam, for the demo and by hand.
//
//   pam_try CONFDIR SERVICE USER
//
// Reads the PAM service file CONFDIR/SERVICE (pam_start_confdir), so nothing in /etc is used.
// Prompts go to the terminal (echo off for hidden prompts) or, when stdin is not a terminal,
// answers are read one line each from stdin. Exit status: 0 if PAM said success, 1 if not,
// 2 on usage errors.
#include <security/pam_appl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

// One line from stdin without its newline; echo off on a terminal when `hidden`.
bool ReadAnswer(bool hidden, std::string& answer) {
  struct termios saved;
  bool tty = isatty(STDIN_FILENO) != 0 && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty && hidden) {
    struct termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  answer.clear();
  int c;
  while ((c = std::getchar()) != EOF && c != '\n') answer.push_back(static_cast<char>(c));
  if (tty && hidden) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputc('\n', stderr);
  }
  return c != EOF || !answer.empty();
}

int Converse(int count, const struct pam_message** messages, struct pam_response** responses,
             void*) {
  auto* replies =
      static_cast<pam_response*>(std::calloc(static_cast<size_t>(count), sizeof(pam_response)));
  if (replies == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < count; ++i) {
    const pam_message* m = messages[i];
    if (m->msg_style == PAM_TEXT_INFO || m->msg_style == PAM_ERROR_MSG) {
      std::fprintf(stderr, "%s\n", m->msg);
      continue;
    }
    std::fputs(m->msg, stderr);
    std::fflush(stderr);
    std::string answer;
    if (!ReadAnswer(m->msg_style == PAM_PROMPT_ECHO_OFF, answer)) {
      for (int j = 0; j < i; ++j) std::free(replies[j].resp);
      std::free(replies);
      return PAM_CONV_ERR;
    }
    if (isatty(STDIN_FILENO) == 0) std::fputc('\n', stderr);
    replies[i].resp = strdup(answer.c_str());
    explicit_bzero(answer.data(), answer.size());
  }
  *responses = replies;
  return PAM_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: pam_try CONFDIR SERVICE USER\n");
    return 2;
  }
  struct pam_conv conv = {Converse, nullptr};
  pam_handle_t* pamh = nullptr;
  int rc = pam_start_confdir(argv[2], argv[3], &conv, argv[1], &pamh);
  if (rc != PAM_SUCCESS) {
    std::fprintf(stderr, "pam_try: pam_start_confdir failed: %d\n", rc);
    return 1;
  }
  rc = pam_authenticate(pamh, 0);
  std::printf("PAM result: %s\n", pam_strerror(pamh, rc));
  pam_end(pamh, rc);
  return rc == PAM_SUCCESS ? 0 : 1;
}
