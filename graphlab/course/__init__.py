"""The numbers behind the course's figures (issue 19), one Qt-free module per view; ``ui/course`` draws them."""
